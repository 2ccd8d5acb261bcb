FROM busybox AS base
ONBUILD RUN echo triggered
ONBUILD ENV TRIGGERED=yes
ONBUILD COPY . /app
FROM base
RUN echo $TRIGGERED
FROM example.com/onbuild:1
RUN echo $ONBUILT
