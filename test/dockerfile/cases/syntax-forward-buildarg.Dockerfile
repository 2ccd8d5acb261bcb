FROM busybox
RUN echo built-here
