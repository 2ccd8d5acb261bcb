FROM busybox AS builder
RUN echo build > /out
FROM busybox
WORKDIR /w
ARG TOKEN_NAME=TOK
RUN --mount=type=cache,id=shared,sharing=private,from=builder,source=/out,target=rel,uid=1000,gid=1000 true
RUN --mount=type=bind,from=builder,target=/b,rw --mount=type=bind,from=builder,source=/out,target=/b2,readonly=true ls /b
RUN --mount=type=tmpfs,target=/tmp/x,size=64k --mount=type=tmpfs,dst=/t2 true
RUN --mount=type=secret,id=s1,env=$TOKEN_NAME,required=true,uid=1 echo $TOK ${TOK} $OTHER
RUN --mount=type=secret,source=src1,target=rel/file true
RUN --mount=type=secret,target=/only/target true
RUN --mount=type=secret,id=a/b/c true
RUN --mount=type=ssh,id=agent,target=/ssh.sock,required true
RUN --mount=type=ssh,mode=0644 --mount=type=ssh,id=agent true
RUN --mount=type=ssh,id=x,uid=1,gid=2 true
RUN --mount=type=bind,from=busybox,source=/bin,target=/bb true
RUN --mount=type=cache,target=/c1 --mount=type=cache,target=/c1 true
RUN --network=none --security=sandbox ["echo", "exec form"]
