FROM busybox
RUN --mount=type=secret,id=mysecret cat /run/secrets/mysecret
RUN --mount=type=secret,id=other,target=/etc/other,required=true,mode=0400,uid=1,gid=2 cat /etc/other
RUN --mount=type=secret,id=tok,env=TOKEN echo $TOKEN
RUN --mount=type=secret,id=both,env=B,target=/b true
