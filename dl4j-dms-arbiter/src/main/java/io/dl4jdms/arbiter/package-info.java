/**
 * Arbiter (1.0.0-beta7) support: parameter spaces over this project's layers and supernets, DMS searches and
 * training-free scores as Arbiter tasks, score functions, a fast training-free screening runner, and studies
 * that validate their spaces and always stop.
 */
package io.dl4jdms.arbiter;
