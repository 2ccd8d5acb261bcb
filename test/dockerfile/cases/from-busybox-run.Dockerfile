FROM busybox
RUN echo hello > /hello
RUN ["/bin/sh", "-c", "cat /hello"]
