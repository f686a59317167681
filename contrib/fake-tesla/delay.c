#include "delay.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "server.h"

struct delayed {
    int64_t due_ms;
    struct MHD_Connection *connection;
};

/* A binary min-heap of connections ordered by due time. */
struct delay_queue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t thread;
    struct delayed *heap;
    size_t count;
    size_t capacity;
    bool stopping;
};

static void swap(struct delayed *a, struct delayed *b)
{
    struct delayed saved = *a;

    *a = *b;
    *b = saved;
}

static void sift_up(struct delayed *heap, size_t index)
{
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (heap[parent].due_ms <= heap[index].due_ms)
            break;
        swap(&heap[parent], &heap[index]);
        index = parent;
    }
}

static void sift_down(struct delayed *heap, size_t count, size_t index)
{
    for (;;) {
        size_t smallest = index, left = 2 * index + 1, right = left + 1;
        if (left < count && heap[left].due_ms < heap[smallest].due_ms)
            smallest = left;
        if (right < count && heap[right].due_ms < heap[smallest].due_ms)
            smallest = right;
        if (smallest == index)
            return;
        swap(&heap[smallest], &heap[index]);
        index = smallest;
    }
}

static struct MHD_Connection *pop(struct delay_queue *queue)
{
    struct MHD_Connection *connection = queue->heap[0].connection;

    queue->heap[0] = queue->heap[--queue->count];
    sift_down(queue->heap, queue->count, 0);
    return connection;
}

static struct timespec deadline(int64_t due_ms)
{
    return (struct timespec){.tv_sec = due_ms / 1000, .tv_nsec = (due_ms % 1000) * 1000000};
}

static void *run_queue(void *argument)
{
    struct delay_queue *queue = argument;

    pthread_mutex_lock(&queue->lock);
    while (!queue->stopping) {
        if (queue->count == 0) {
            pthread_cond_wait(&queue->changed, &queue->lock);
            continue;
        }
        if (queue->heap[0].due_ms > monotonic_ms()) {
            struct timespec until = deadline(queue->heap[0].due_ms);
            pthread_cond_timedwait(&queue->changed, &queue->lock, &until);
            continue;
        }
        MHD_resume_connection(pop(queue));
    }
    while (queue->count > 0)
        MHD_resume_connection(pop(queue));
    pthread_mutex_unlock(&queue->lock);
    return NULL;
}

struct delay_queue *delay_queue_start(void)
{
    struct delay_queue *queue = calloc(1, sizeof(*queue));
    pthread_condattr_t attributes;

    if (queue == NULL)
        return NULL;
    pthread_mutex_init(&queue->lock, NULL);
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&queue->changed, &attributes);
    pthread_condattr_destroy(&attributes);

    int error = pthread_create(&queue->thread, NULL, run_queue, queue);
    if (error != 0) {
        log_error("cannot start the latency thread: error %d", error);
        pthread_cond_destroy(&queue->changed);
        pthread_mutex_destroy(&queue->lock);
        free(queue);
        return NULL;
    }
    return queue;
}

bool delay_queue_add(struct delay_queue *queue, struct MHD_Connection *connection, long delay_ms)
{
    bool added = false;

    pthread_mutex_lock(&queue->lock);
    if (queue->count == queue->capacity) {
        size_t capacity = queue->capacity == 0 ? 64 : queue->capacity * 2;
        struct delayed *grown = realloc(queue->heap, capacity * sizeof(*grown));
        if (grown != NULL) {
            queue->heap = grown;
            queue->capacity = capacity;
        }
    }
    if (queue->count < queue->capacity && !queue->stopping) {
        queue->heap[queue->count] =
            (struct delayed){.due_ms = monotonic_ms() + delay_ms, .connection = connection};
        sift_up(queue->heap, queue->count++);
        pthread_cond_signal(&queue->changed);
        added = true;
    }
    pthread_mutex_unlock(&queue->lock);
    return added;
}

void delay_queue_stop(struct delay_queue *queue)
{
    if (queue == NULL)
        return;
    pthread_mutex_lock(&queue->lock);
    queue->stopping = true;
    pthread_cond_signal(&queue->changed);
    pthread_mutex_unlock(&queue->lock);

    pthread_join(queue->thread, NULL);
    pthread_cond_destroy(&queue->changed);
    pthread_mutex_destroy(&queue->lock);
    free(queue->heap);
    free(queue);
}
