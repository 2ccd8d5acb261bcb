FROM busybox AS other
RUN echo other > /o

FROM busybox AS base
ONBUILD COPY --from=other /o /o
ONBUILD RUN cat /o

FROM base
RUN echo done
