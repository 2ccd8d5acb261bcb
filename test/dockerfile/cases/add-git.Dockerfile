FROM busybox
ADD https://github.com/moby/buildkit.git#v0.10.1 /src
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1:docs /docs
ADD git@github.com:moby/buildkit.git#master /ssh
ADD https://github.com/moby/buildkit.git?ref=v0.12.0&subdir=docs /q
ADD --checksum=782e8f3e0d3ea4c5ef1c9ad0c8c8c1d2c9f3c4e5 https://github.com/moby/buildkit.git#v0.12.0 /c
