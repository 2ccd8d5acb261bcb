FROM scratch
ADD rootfs.tar /
ADD --unpack=false archive.tar.gz /keep/
ADD --unpack=true other.tgz /extract/
ADD --chown=1:1 --chmod=600 file /file
ADD --link dir /dir
