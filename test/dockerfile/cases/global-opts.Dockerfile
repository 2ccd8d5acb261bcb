FROM busybox
RUN echo with hosts
