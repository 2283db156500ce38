/**
 * The vocabulary every layer shares (task ids, states, target states), with no dependencies of its
 * own: the stores, the herder, REST and the runtime all speak it, none through another.
 */
package io.connectreactive.model;
