ARG BASE=busybox
FROM nonexistent/image:nope AS broken
RUN false
FROM ${BASE:-alpine} AS good
ARG BASE
ENV PORT=8080 P2=${BASE}
EXPOSE $PORT 9000-9002/udp
USER 1000:1000
WORKDIR /home/app
SHELL ["/bin/bash", "-c"]
RUN echo $PORT
CMD run me
FROM good
