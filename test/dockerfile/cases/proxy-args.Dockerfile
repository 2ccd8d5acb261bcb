FROM busybox
RUN wget -O- http://example.com/ || true
ARG HTTP_PROXY
RUN echo $HTTP_PROXY
