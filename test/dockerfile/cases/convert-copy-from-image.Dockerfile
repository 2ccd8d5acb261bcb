FROM alpine:3.20 AS Build
WORKDIR src
COPY --from=busybox /bin/busybox /bin/
COPY --from=0 /etc/os-release /x
COPY --from=build /etc /etc2
FROM scratch
COPY --from=BUILD /src /src
ENTRYPOINT ["/bin/busybox"]
CMD echo hi
