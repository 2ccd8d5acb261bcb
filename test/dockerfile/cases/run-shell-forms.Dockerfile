FROM busybox
RUN echo shell form && ls
RUN ["echo", "json", "form"]
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN echo with bash shell | cat
RUN echo continued \
  line \
  here
SHELL ["/bin/sh", "-c"]
RUN echo back
