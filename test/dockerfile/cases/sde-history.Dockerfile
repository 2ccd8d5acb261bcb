FROM busybox AS base
WORKDIR /app
USER 1000
WORKDIR /app/sub
RUN echo hi
ENV A=b
LABEL x=y
FROM scratch
COPY --from=base /app /app
EXPOSE 80
CMD ["x"]
