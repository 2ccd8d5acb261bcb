FROM busybox AS a
RUN echo a
FROM a
RUN echo b
