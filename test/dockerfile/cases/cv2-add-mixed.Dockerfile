FROM busybox AS base
WORKDIR /app
ADD --chown=app:staff https://example.com/r.git?tag=v1&subdir=docs&submodules=false https://example.com/f.txt local.tar /mixed/
ADD --keep-git-dir https://example.com/r.git?keep-git-dir=true&fetch-by-commit&commit=0123456789abcdef0123456789abcdef01234567 /k
ADD --checksum=0123456789abcdef0123456789abcdef01234567 git@example.com:org/repo.git#main:sub /c
ADD https://example.com/ /root-url
ADD https://example.com/dir/?q=1#frag /query
ADD --exclude=*.md --exclude=tmp docs ./rel
