FROM busybox
RUN --mount=type=ssh ls $SSH_AUTH_SOCK
RUN --mount=type=ssh,id=gh,target=/ssh.sock,required=true,mode=0600,uid=1000 ls /ssh.sock
