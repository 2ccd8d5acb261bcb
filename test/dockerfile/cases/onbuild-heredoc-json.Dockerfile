FROM busybox AS base
ONBUILD RUN <<EOF
echo in onbuild
EOF
FROM base
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
RUN ["sh", "-c", "echo $HOME"]
