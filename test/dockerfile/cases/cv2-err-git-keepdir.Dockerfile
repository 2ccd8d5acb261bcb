FROM busybox
ADD --keep-git-dir=false https://example.com/r.git?keep-git-dir=true /x
