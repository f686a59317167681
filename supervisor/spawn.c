#include "spawn.h"

#include "exit_codes.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

extern char **environ;

/* Variables the supervisor sets for its workers or keeps to itself. */
static const char *const replaced_variables[] = {
    "TENANTMATE_SUPERVISOR_DATABASE_URL=",
    "TENANTMATE_READY_FD=",
    "TENANTMATE_SUPERVISOR_PID=",
};

#define REPLACED_COUNT (sizeof(replaced_variables) / sizeof(replaced_variables[0]))

struct child_environment {
    char **variables;
    char ready_fd[32];
    char supervisor_pid[48];
};

static bool replaced(const char *variable)
{
    for (size_t i = 0; i < REPLACED_COUNT; i++) {
        if (strncmp(variable, replaced_variables[i], strlen(replaced_variables[i])) == 0)
            return true;
    }
    return false;
}

/* Build the worker's environment before fork, so the child only execs. */
static bool build_environment(struct child_environment *env)
{
    size_t count = 0, used = 0;

    while (environ[count] != NULL)
        count++;
    env->variables = calloc(count + 3, sizeof(*env->variables));
    if (env->variables == NULL)
        return false;

    for (size_t i = 0; i < count; i++) {
        if (!replaced(environ[i]))
            env->variables[used++] = environ[i];
    }
    snprintf(env->ready_fd, sizeof(env->ready_fd), "TENANTMATE_READY_FD=%d", SPAWN_READY_FD);
    snprintf(env->supervisor_pid, sizeof(env->supervisor_pid), "TENANTMATE_SUPERVISOR_PID=%d",
             (int)getpid());
    env->variables[used++] = env->ready_fd;
    env->variables[used++] = env->supervisor_pid;
    env->variables[used] = NULL;
    return true;
}

/* Async-signal-safe report from the child: message and errno number. */
static void child_fail(const char *message, int status)
{
    char digits[16];
    int value = errno, length = 0;
    ssize_t ignored;

    do {
        digits[sizeof(digits) - 1 - (size_t)length++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && length < 15);

    ignored = write(STDERR_FILENO, message, strlen(message));
    ignored = write(STDERR_FILENO, " (errno ", 8);
    ignored = write(STDERR_FILENO, digits + sizeof(digits) - (size_t)length, (size_t)length);
    ignored = write(STDERR_FILENO, ")\n", 2);
    (void)ignored;
    _exit(status);
}

static void child_apply_limits(const struct spawn_settings *settings)
{
    if (settings->max_address_space_mb > 0) {
        rlim_t bytes = (rlim_t)settings->max_address_space_mb * 1024 * 1024;
        struct rlimit limit = {.rlim_cur = bytes, .rlim_max = bytes};
        if (setrlimit(RLIMIT_AS, &limit) != 0)
            child_fail("tenantmate-supervisor: cannot apply "
                       "TENANTMATE_WORKER_MAX_ADDRESS_SPACE_MB to the worker",
                       WORKER_EXIT_CONFIG);
    }
    if (settings->max_open_files > 0) {
        struct rlimit limit = {.rlim_cur = (rlim_t)settings->max_open_files,
                               .rlim_max = (rlim_t)settings->max_open_files};
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            child_fail("tenantmate-supervisor: cannot apply TENANTMATE_WORKER_MAX_OPEN_FILES "
                       "to the worker",
                       WORKER_EXIT_CONFIG);
    }
}

static void child_set_up_descriptors(int ready_write_fd)
{
    if (ready_write_fd == SPAWN_READY_FD) {
        if (fcntl(ready_write_fd, F_SETFD, 0) != 0)
            child_fail("tenantmate-supervisor: fcntl on the readiness pipe failed",
                       WORKER_EXIT_EXEC_FAILED);
    } else if (dup2(ready_write_fd, SPAWN_READY_FD) < 0) {
        child_fail("tenantmate-supervisor: dup2 of the readiness pipe failed",
                   WORKER_EXIT_EXEC_FAILED);
    }
    close_range(SPAWN_READY_FD + 1, ~0U, 0);
}

static void run_child(const struct spawn_settings *settings, pid_t supervisor_pid,
                      int ready_write_fd, char *const argv[], char *const envp[])
{
    sigset_t none;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0);

    /* The worker sets this itself too; setting it before exec closes the
     * window in which the supervisor could die unnoticed. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != supervisor_pid)
        _exit(WORKER_EXIT_STOPPED);

    child_apply_limits(settings);
    child_set_up_descriptors(ready_write_fd);
    execve(settings->worker_path, argv, envp);
    child_fail("tenantmate-supervisor: cannot execute the worker program",
               WORKER_EXIT_EXEC_FAILED);
}

bool spawn_worker(const struct spawn_settings *settings, const char *option, const char *value,
                  struct spawned_worker *spawned, char *error, size_t error_size)
{
    struct child_environment env;
    char *argv[] = {(char *)settings->worker_path, (char *)option, (char *)value, NULL};
    int pipe_fds[2];
    pid_t supervisor_pid = getpid();

    if (!build_environment(&env)) {
        snprintf(error, error_size, "out of memory building the worker's environment");
        return false;
    }
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(error, error_size, "pipe2 failed: %s", strerror(errno));
        free(env.variables);
        return false;
    }

    pid_t pid = fork();
    if (pid == 0)
        run_child(settings, supervisor_pid, pipe_fds[1], argv, env.variables);

    int fork_errno = errno;
    close(pipe_fds[1]);
    free(env.variables);
    if (pid < 0) {
        close(pipe_fds[0]);
        snprintf(error, error_size, "fork failed: %s", strerror(fork_errno));
        return false;
    }

    spawned->pid = pid;
    spawned->ready_fd = pipe_fds[0];
    return true;
}
