/* Benchmark producer: COUNT writes of SIZE bytes, alternating stdout and
 * stderr (one write(2) each), as a program that prints and warns in turn. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 3) return 2;
	size_t size = strtoul(argv[1], NULL, 10);
	long count = strtol(argv[2], NULL, 10);
	char *buf = malloc(size ? size : 1);
	if (!buf) return 1;
	memset(buf, 'x', size);
	if (size) buf[size - 1] = '\n';
	for (long i = 0; i < count; i++) {
		int fd = (i & 1) ? 2 : 1;
		size_t done = 0;
		while (done < size) {
			ssize_t r = write(fd, buf + done, size - done);
			if (r < 0) return 1;
			done += (size_t)r;
		}
	}
	return 0;
}
