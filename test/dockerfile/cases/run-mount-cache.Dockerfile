FROM busybox
RUN --mount=type=cache,target=/cache ls /cache
RUN --mount=type=cache,id=mycache,target=/c2,sharing=locked,mode=0700,uid=1000,gid=1000 ls /c2
RUN --mount=type=cache,target=/c3,sharing=private,from=busybox,source=/etc ls /c3
RUN --mount=type=cache,target=/c4,sharing=shared,readonly ls /c4
