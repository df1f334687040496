/* A UDP echo server for the network e2e tests (busybox has no UDP server): every datagram that
 * arrives on 0.0.0.0:PORT goes back to its sender, prefixed with "echo ". Built static by the
 * test (cc -static) and bind-mounted into a busybox container. Usage: udp_echo PORT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[1]));
  if (fd < 0 || bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
    perror("udp_echo: bind");
    return 1;
  }
  for (;;) {
    char in[2048], out[2100];
    struct sockaddr_in from;
    socklen_t length = sizeof from;
    ssize_t n = recvfrom(fd, in, sizeof in - 1, 0, (struct sockaddr*)&from, &length);
    if (n < 0) continue;
    in[n] = '\0';
    int m = snprintf(out, sizeof out, "echo %s", in);
    sendto(fd, out, (size_t)m, 0, (struct sockaddr*)&from, length);
  }
}
