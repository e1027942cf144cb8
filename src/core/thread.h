/* Starting the daemon's helper threads (the boot-event writer, the WAL
 * checkpointer). */
#pragma once

#include <pthread.h>

/* pthread_create() with every signal blocked in the new thread: signals
 * belong to the event loop (its signalfd, which it may set up after this
 * thread starts), and one delivered here would take its default action.
 * 0 or a negative errno. */
int thread_start(pthread_t *ret, void *(*fn)(void *), void *arg);
