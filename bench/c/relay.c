/* The yardstick: the least a relay of this design must do, in C, so that
 * bench/yardstick.ts can say how close dtee for Bun comes to the design's own
 * limit (not to another implementation's choices). It builds the same socket
 * trio (one datagram input socket, the command's stdout and stderr sockets
 * bound to their own names and connected to it), starts the command on them,
 * then receives batches with recvmmsg and writes each batch with one writev
 * per output: stdout's messages to fd 1 and to the -O file, stderr's to fd 2.
 * No options beyond that, no error reporting beyond a status, and stdout's
 * and stderr's messages are not interleaved on the terminal side within a
 * batch (the benchmark writes stdout only): a yardstick, not a tool.
 *
 *   relay [-s SLOTS] [-O FILE] COMMAND [ARG]...
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOT_SIZE (256 * 1024)
#define MAX_SLOTS 1024

static struct sockaddr_un named(const char *dir, const char *name) {
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", dir, name);
	return a;
}

static int bound(const char *dir, const char *name) {
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = named(dir, name);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) exit(71);
	return fd;
}

static void write_all(int fd, struct iovec *iov, int count) {
	while (count > 0) {
		int n = count > IOV_MAX ? IOV_MAX : count;
		ssize_t r = writev(fd, iov, n);
		if (r < 0) exit(74);
		/* Skip what was written; finish a partly written iovec. */
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= iov->iov_len;
			iov++, count--, n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= r;
		}
	}
}

int main(int argc, char **argv) {
	int slots = 32, file = -1, opt;
	while ((opt = getopt(argc, argv, "+s:O:")) != -1) {
		if (opt == 's') slots = atoi(optarg);
		else if (opt == 'O') file = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		else return 64;
	}
	if (optind >= argc || slots < 1 || slots > MAX_SLOTS) return 64;

	char dir[] = "/tmp/relay-XXXXXX";
	if (!mkdtemp(dir)) return 73;
	int input = bound(dir, "i"), out = bound(dir, "o"), err = bound(dir, "e");
	int size = 4 * 1024 * 1024;
	setsockopt(input, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	struct sockaddr_un in = named(dir, "i");
	if (connect(out, (struct sockaddr *)&in, sizeof in) < 0 || connect(err, (struct sockaddr *)&in, sizeof in) < 0) return 71;

	pid_t pid = fork();
	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[optind], argv + optind);
		_exit(66);
	}
	close(out);
	close(err);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	char *arena = malloc((size_t)slots * SLOT_SIZE);
	struct mmsghdr *msgs = calloc(slots, sizeof *msgs);
	struct iovec *recv_iov = calloc(slots, sizeof *recv_iov);
	struct sockaddr_un *from = calloc(slots, sizeof *from);
	struct iovec *to_out = calloc(slots, sizeof *to_out), *to_err = calloc(slots, sizeof *to_err);
	for (int i = 0; i < slots; i++) {
		recv_iov[i] = (struct iovec){arena + (size_t)i * SLOT_SIZE, SLOT_SIZE};
		msgs[i].msg_hdr.msg_iov = &recv_iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
	}
	/* The senders' names differ in their last character only. */
	size_t last = strlen(in.sun_path) - 1;

	int exited = 0, status = 0;
	for (;;) {
		for (int i = 0; i < slots; i++) msgs[i].msg_hdr.msg_namelen = sizeof from[i];
		int n = recvmmsg(input, msgs, slots, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (exited) break;
			struct pollfd p[2] = {{input, POLLIN, 0}, {pidfd, POLLIN, 0}};
			poll(p, 2, -1);
			if (p[1].revents) {
				waitpid(pid, &status, 0);
				exited = 1; /* drain what is queued, then stop */
			}
			continue;
		}
		int outs = 0, errs = 0;
		for (int i = 0; i < n; i++) {
			struct iovec m = {recv_iov[i].iov_base, msgs[i].msg_len};
			if (from[i].sun_path[last] == 'e') to_err[errs++] = m;
			else to_out[outs++] = m;
		}
		/* The file first: write_all advances the iovecs it is given. */
		if (outs && file >= 0) {
			struct iovec copy[MAX_SLOTS];
			memcpy(copy, to_out, outs * sizeof *copy);
			write_all(file, copy, outs);
		}
		if (outs) write_all(1, to_out, outs);
		if (errs) write_all(2, to_err, errs);
	}
	char path[sizeof in.sun_path];
	for (const char *name = "ioe"; *name; name++) {
		snprintf(path, sizeof path, "%s/%c", dir, *name);
		unlink(path);
	}
	rmdir(dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
