// Package progress reads the Docker engine's image pull stream, adds up
// the progress of each image's layers and shows it: a progress bar per
// image on a terminal, plain lines everywhere else.
//
// ReadPull turns the stream into Events and a final error; a Tracker adds
// the events up per image; a Renderer draws them. Core code only calls
// ReadPull with a callback and never draws anything itself.
package progress
