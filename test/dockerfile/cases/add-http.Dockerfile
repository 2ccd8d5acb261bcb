FROM busybox
ADD https://example.com/file.txt /downloads/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/pinned.tar.gz /pinned
ADD --chmod=644 http://example.com/noname/ /named
ADD --unpack=true https://example.com/archive.tar.gz /unpacked/
