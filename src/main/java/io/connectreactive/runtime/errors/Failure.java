package io.connectreactive.runtime.errors;

/**
 * What failed: the stage, the class that was executing (the converter, transformation or task
 * class) and the error. A value: any thread.
 */
public record Failure(Stage stage, Class<?> executing, Throwable error) {
}
