/*
 * Fault injection for dtee for Bun's end-to-end tests: an LD_PRELOAD library
 * that makes one libc call fail (or come up short) on the Nth time dtee's own
 * code makes it.
 *
 * Configured by the environment:
 *
 *   DTEE_FAULT=RULE[;RULE]...
 *     RULE   = FUNC[@FILTER]...:WHEN:ACTION
 *     FUNC   = recvmmsg writev write read poll eventfd mmap open posix_spawnp
 *              prctl pidfd_open kcmp  (pidfd_open and kcmp are syscall(2)
 *              numbers 434 and 272; mmap covers mmap64, open covers open64)
 *     FILTER = fd=N        the call's descriptor is N
 *              fd>N        the call's descriptor is above N
 *              reg         ... is a regular file with a name
 *              tmp         ... is a regular file without one (O_TMPFILE)
 *              sock        ... is a socket (poll: the first pollfd's)
 *              path=SUFFIX ... is a file whose name ends with SUFFIX
 *              ready       ... has data queued (recvmmsg: calls that would
 *                          receive something, whatever the timing)
 *              tmpfile     open(): the O_TMPFILE flag is set
 *              noreserve   mmap(): MAP_NORESERVE is set
 *              len>=N      mmap(): at least N bytes
 *              out         poll(): waits for POLLOUT
 *     WHEN   = N (the Nth matching call), N+ (that one and every later one),
 *              N-M (calls N to M)
 *     ACTION = an errno name (EIO, ENOSPC, EAGAIN, ENOMEM, ...): fail with it;
 *              short: writev/write write half the bytes (at least one);
 *              one: recvmmsg receives at most one message
 *   DTEE_FAULT_PPID=PID  only the process whose parent is PID injects faults
 *                        (so the command dtee runs, which inherits the
 *                        environment, is left alone)
 *   DTEE_FAULT_LOG=FILE  append one line per matching call: "FUNC N ACTION"
 *                        or "FUNC N pass"
 *   DTEE_FAULT_ANY_CALLER=1  count the runtime's own calls too (debugging)
 *
 * A rule that does not parse ends the process with status 125 and a message:
 * a typo must not pass for "the fault changed nothing".
 *
 * Only calls made from code outside every loaded object count: bun:ffi's
 * JIT-compiled trampolines, which is how dtee calls libc (src/sys/libc.ts
 * resolves every name through the global scope, so these wrappers are what
 * it calls). The Bun runtime calls the same functions (mmap, open, poll,
 * eventfd, prctl, ...) from its own executable; dladdr() finds those callers
 * in a loaded object, and they are never counted or failed. Measured with
 * DTEE_FAULT_LOG: `dtee -q sh -c ...` makes exactly one mmap, one prctl, one
 * eventfd, one posix_spawnp, one pidfd_open and one kcmp call of its own,
 * both as `bun bin/dtee.ts` and as the compiled dist/dtee.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int prctl(int option, ...);

#ifndef O_TMPFILE
#define O_TMPFILE 0
#endif

enum func {
	F_RECVMMSG, F_WRITEV, F_WRITE, F_READ, F_POLL, F_EVENTFD, F_MMAP, F_OPEN,
	F_POSIX_SPAWNP, F_PRCTL, F_PIDFD_OPEN, F_KCMP, F_COUNT
};
static const char *const func_names[F_COUNT] = {
	"recvmmsg", "writev", "write", "read", "poll", "eventfd", "mmap", "open",
	"posix_spawnp", "prctl", "pidfd_open", "kcmp",
};

enum filter_kind { K_FD_EQ, K_FD_GT, K_REG, K_TMP, K_SOCK, K_PATH, K_READY, K_TMPFILE, K_NORESERVE, K_LEN_GE, K_OUT };

struct filter {
	enum filter_kind kind;
	long long value;
	char path[256];
};

#define MAX_RULES 16
#define MAX_FILTERS 4

struct rule {
	enum func func;
	struct filter filters[MAX_FILTERS];
	int nfilters;
	unsigned long from, to; /* calls from..to, 1-based; to == 0: no end */
	int error;              /* errno to fail with, or 0 */
	int short_write;        /* ACTION short */
	int one_message;        /* ACTION one */
	unsigned long calls;    /* matching calls so far */
};

static struct rule rules[MAX_RULES];
static int nrules;
static int active;
static int any_caller;
static char log_path[512];

static const struct { const char *name; int value; } errnos[] = {
	{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EAGAIN", EAGAIN}, {"EINTR", EINTR}, {"ENOMEM", ENOMEM},
	{"EINVAL", EINVAL}, {"EPERM", EPERM}, {"EACCES", EACCES}, {"EMFILE", EMFILE}, {"ENFILE", ENFILE},
	{"ENOSYS", ENOSYS}, {"EBADF", EBADF}, {"EFAULT", EFAULT}, {"ENOBUFS", ENOBUFS}, {"EPIPE", EPIPE},
	{"EDQUOT", EDQUOT}, {"EFBIG", EFBIG}, {"ENOTCONN", ENOTCONN}, {"ESRCH", ESRCH}, {"EROFS", EROFS},
	{"ECONNREFUSED", ECONNREFUSED}, {"EOPNOTSUPP", EOPNOTSUPP}, {"EISDIR", EISDIR}, {"ENOENT", ENOENT},
	{"ENOEXEC", ENOEXEC}, {"E2BIG", E2BIG},
};

/* The next definitions of the functions we wrap. */
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_open)(const char *, int, ...);

static void die(const char *what, const char *detail) {
	/* A broken rule must not pass silently as "no fault happened". */
	char buf[600];
	int n = snprintf(buf, sizeof buf, "dtee fault preload: %s: %s\n", what, detail);
	if (n > 0 && real_write) real_write(2, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	_exit(125);
}

static int parse_errno(const char *s) {
	for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
		if (!strcmp(s, errnos[i].name)) return errnos[i].value;
	return 0;
}

static void parse_filter(struct rule *r, const char *s) {
	if (r->nfilters == MAX_FILTERS) die("too many filters", s);
	struct filter *f = &r->filters[r->nfilters++];
	if (!strncmp(s, "fd=", 3)) { f->kind = K_FD_EQ; f->value = atoll(s + 3); }
	else if (!strncmp(s, "fd>", 3)) { f->kind = K_FD_GT; f->value = atoll(s + 3); }
	else if (!strcmp(s, "reg")) f->kind = K_REG;
	else if (!strcmp(s, "tmp")) f->kind = K_TMP;
	else if (!strcmp(s, "sock")) f->kind = K_SOCK;
	else if (!strcmp(s, "ready")) f->kind = K_READY;
	else if (!strcmp(s, "tmpfile")) f->kind = K_TMPFILE;
	else if (!strcmp(s, "noreserve")) f->kind = K_NORESERVE;
	else if (!strcmp(s, "out")) f->kind = K_OUT;
	else if (!strncmp(s, "len>=", 5)) { f->kind = K_LEN_GE; f->value = atoll(s + 5); }
	else if (!strncmp(s, "path=", 5)) {
		f->kind = K_PATH;
		if (strlen(s + 5) >= sizeof f->path) die("path too long", s);
		strcpy(f->path, s + 5);
	} else die("unknown filter", s);
}

static void parse_rule(char *text) {
	if (nrules == MAX_RULES) die("too many rules", text);
	struct rule *r = &rules[nrules++];
	memset(r, 0, sizeof *r);
	char *when = strchr(text, ':');
	if (!when) die("rule without WHEN", text);
	*when++ = 0;
	char *action = strchr(when, ':');
	if (!action) die("rule without ACTION", when);
	*action++ = 0;

	char *filters = strchr(text, '@');
	if (filters) *filters++ = 0;
	int found = 0;
	for (int i = 0; i < F_COUNT; i++)
		if (!strcmp(text, func_names[i])) { r->func = (enum func)i; found = 1; }
	if (!found) die("unknown function", text);
	while (filters) {
		char *next = strchr(filters, '@');
		if (next) *next++ = 0;
		parse_filter(r, filters);
		filters = next;
	}

	char *end;
	r->from = strtoul(when, &end, 10);
	if (r->from == 0) die("WHEN must count from 1", when);
	if (*end == 0) r->to = r->from;
	else if (!strcmp(end, "+")) r->to = 0;
	else if (*end == '-') r->to = strtoul(end + 1, NULL, 10);
	else die("bad WHEN", when);

	if (!strcmp(action, "short")) r->short_write = 1;
	else if (!strcmp(action, "one")) r->one_message = 1;
	else if (!(r->error = parse_errno(action))) die("unknown ACTION", action);
}

__attribute__((constructor)) static void fault_init(void) {
	real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
	const char *spec = getenv("DTEE_FAULT");
	const char *ppid = getenv("DTEE_FAULT_PPID");
	if (!spec || !*spec) return;
	if (ppid && *ppid && (pid_t)atol(ppid) != getppid()) return;
	const char *logp = getenv("DTEE_FAULT_LOG");
	if (logp && strlen(logp) < sizeof log_path) strcpy(log_path, logp);
	const char *any = getenv("DTEE_FAULT_ANY_CALLER");
	any_caller = any && !strcmp(any, "1");
	char copy[2048];
	if (strlen(spec) >= sizeof copy) die("DTEE_FAULT too long", "");
	strcpy(copy, spec);
	for (char *save = NULL, *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) parse_rule(tok);
	active = nrules > 0;
}

/* The call came from code outside every loaded object: a bun:ffi trampoline. */
static int from_ffi(void *caller) {
	if (any_caller) return 1;
	Dl_info info;
	return dladdr(caller, &info) == 0;
}

static int fd_matches(const struct filter *f, int fd) {
	struct stat st;
	char link[64], target[1024];
	switch (f->kind) {
	case K_FD_EQ: return fd == f->value;
	case K_FD_GT: return fd > f->value;
	case K_REG: return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 0;
	case K_TMP: return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0;
	case K_SOCK: return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
	case K_READY: {
		int queued = 0;
		return ioctl(fd, FIONREAD, &queued) == 0 && queued > 0;
	}
	case K_PATH: {
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n < 0) return 0;
		target[n] = 0;
		size_t want = strlen(f->path);
		return (size_t)n >= want && !strcmp(target + n - want, f->path);
	}
	default: return 1;
	}
}

struct call {
	int fd;        /* -1: none */
	int flags;     /* open flags, mmap flags */
	size_t length; /* mmap length */
	int pollout;   /* poll for POLLOUT */
};

static int filters_match(const struct rule *r, const struct call *c) {
	for (int i = 0; i < r->nfilters; i++) {
		const struct filter *f = &r->filters[i];
		switch (f->kind) {
		case K_TMPFILE: if (!O_TMPFILE || (c->flags & O_TMPFILE) != O_TMPFILE) return 0; break;
		case K_NORESERVE: if (!(c->flags & MAP_NORESERVE)) return 0; break;
		case K_LEN_GE: if (c->length < (size_t)f->value) return 0; break;
		case K_OUT: if (!c->pollout) return 0; break;
		default: if (c->fd < 0 || !fd_matches(f, c->fd)) return 0;
		}
	}
	return 1;
}

static void log_line(const char *func, unsigned long n, const char *what) {
	if (!log_path[0] || !real_open || !real_write) return;
	int saved = errno;
	int fd = real_open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		char buf[128];
		int len = snprintf(buf, sizeof buf, "%s %lu %s\n", func, n, what);
		if (len > 0) real_write(fd, buf, (size_t)len);
		close(fd);
	}
	errno = saved;
}

static const char *errno_name(int e) {
	for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
		if (errnos[i].value == e) return errnos[i].name;
	return "?";
}

/*
 * Decides what happens to this call: returns the rule that fires (its action
 * applies), or NULL to pass the call through. Every rule for the function
 * whose filters match counts the call.
 */
static struct rule *decide(enum func func, const struct call *c, void *caller) {
	if (!active || !from_ffi(caller)) return NULL;
	struct rule *fired = NULL;
	for (int i = 0; i < nrules; i++) {
		struct rule *r = &rules[i];
		if (r->func != func || !filters_match(r, c)) continue;
		unsigned long n = __atomic_add_fetch(&r->calls, 1, __ATOMIC_SEQ_CST);
		int fires = n >= r->from && (r->to == 0 || n <= r->to);
		log_line(func_names[func], n,
			!fires ? "pass" : r->error ? errno_name(r->error) : r->short_write ? "short" : "one");
		if (fires && !fired) fired = r;
	}
	return fired;
}

#define CALLER __builtin_extract_return_addr(__builtin_return_address(0))
#define NEXT(name) static __typeof__(&name) next_##name; if (!next_##name) next_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout) {
	NEXT(recvmmsg);
	struct call c = {.fd = fd};
	struct rule *r = decide(F_RECVMMSG, &c, CALLER);
	if (r && r->error) { errno = r->error; return -1; }
	if (r && r->one_message && vlen > 1) vlen = 1;
	return next_recvmmsg(fd, vec, vlen, flags, timeout);
}

/* Half the bytes of an iovec list (at least one), as a shortened copy. */
static int shorten(const struct iovec *iov, int count, struct iovec *out, int max) {
	size_t total = 0;
	for (int i = 0; i < count; i++) total += iov[i].iov_len;
	size_t want = total / 2 > 0 ? total / 2 : total;
	int n = 0;
	for (int i = 0; i < count && want > 0 && n < max; i++) {
		if (iov[i].iov_len == 0) continue;
		out[n] = iov[i];
		if (out[n].iov_len > want) out[n].iov_len = want;
		want -= out[n].iov_len;
		n++;
	}
	return n;
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
	NEXT(writev);
	struct call c = {.fd = fd};
	struct rule *r = decide(F_WRITEV, &c, CALLER);
	if (r && r->error) { errno = r->error; return -1; }
	if (r && r->short_write && count > 0) {
		struct iovec part[64];
		int n = shorten(iov, count, part, 64);
		if (n > 0) return next_writev(fd, part, n);
	}
	return next_writev(fd, iov, count);
}

ssize_t write(int fd, const void *buf, size_t len) {
	NEXT(write);
	struct call c = {.fd = fd};
	struct rule *r = decide(F_WRITE, &c, CALLER);
	if (r && r->error) { errno = r->error; return -1; }
	if (r && r->short_write && len > 1) len /= 2;
	return next_write(fd, buf, len);
}

ssize_t read(int fd, void *buf, size_t len) {
	NEXT(read);
	struct call c = {.fd = fd};
	struct rule *r = decide(F_READ, &c, CALLER);
	if (r && r->error) { errno = r->error; return -1; }
	return next_read(fd, buf, len);
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout) {
	NEXT(poll);
	struct call c = {.fd = nfds > 0 ? fds[0].fd : -1, .pollout = nfds > 0 && (fds[0].events & POLLOUT)};
	struct rule *r = decide(F_POLL, &c, CALLER);
	if (r && r->error) { errno = r->error; return -1; }
	return next_poll(fds, nfds, timeout);
}

int eventfd(unsigned int initval, int flags) {
	NEXT(eventfd);
	struct call c = {.fd = -1, .flags = flags};
	struct rule *r = decide(F_EVENTFD, &c, CALLER);
	if (r && r->error) { errno = r->error; return -1; }
	return next_eventfd(initval, flags);
}

static void *fault_mmap(void *caller, void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
	NEXT(mmap);
	struct call c = {.fd = -1, .flags = flags, .length = length};
	struct rule *r = decide(F_MMAP, &c, caller);
	if (r && r->error) { errno = r->error; return MAP_FAILED; }
	return next_mmap(addr, length, prot, flags, fd, offset);
}

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
	return fault_mmap(CALLER, addr, length, prot, flags, fd, offset);
}

void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
	return fault_mmap(CALLER, addr, length, prot, flags, fd, offset);
}

static int fault_open(void *caller, const char *path, int flags, mode_t mode) {
	NEXT(open64);
	struct call c = {.fd = -1, .flags = flags};
	struct rule *r = decide(F_OPEN, &c, caller);
	if (r && r->error) { errno = r->error; return -1; }
	return next_open64(path, flags, mode);
}

static mode_t open_mode(int flags, va_list ap) {
	return (flags & O_CREAT) || (O_TMPFILE && (flags & O_TMPFILE) == O_TMPFILE) ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...) {
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	return fault_open(CALLER, path, flags, mode);
}

int open64(const char *path, int flags, ...) {
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	return fault_open(CALLER, path, flags, mode);
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
		const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
	NEXT(posix_spawnp);
	struct call c = {.fd = -1};
	struct rule *r = decide(F_POSIX_SPAWNP, &c, CALLER);
	if (r && r->error) return r->error; /* posix_spawn returns the error number */
	return next_posix_spawnp(pid, file, actions, attr, argv, envp);
}

int prctl(int option, ...) {
	NEXT(prctl);
	va_list ap;
	va_start(ap, option);
	unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long);
	unsigned long a4 = va_arg(ap, unsigned long), a5 = va_arg(ap, unsigned long);
	va_end(ap);
	struct call c = {.fd = -1};
	struct rule *r = decide(F_PRCTL, &c, CALLER);
	if (r && r->error) { errno = r->error; return -1; }
	return next_prctl(option, a2, a3, a4, a5);
}

long syscall(long number, ...) {
	NEXT(syscall);
	va_list ap;
	va_start(ap, number);
	long a[6];
	for (int i = 0; i < 6; i++) a[i] = va_arg(ap, long);
	va_end(ap);
	enum func func = number == 434 ? F_PIDFD_OPEN : number == 272 ? F_KCMP : F_COUNT;
	if (func != F_COUNT) {
		struct call c = {.fd = -1};
		struct rule *r = decide(func, &c, CALLER);
		if (r && r->error) { errno = r->error; return -1; }
	}
	return next_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
