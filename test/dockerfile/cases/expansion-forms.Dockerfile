FROM busybox
ENV SET=value EMPTY= PATHV=/usr/local/lib/file.tar.gz
ENV W1=${SET:-word} W2=${UNSET:-word} W3=${EMPTY:-word} W4=${EMPTY-word} W5=${UNSET-word}
ENV P1=${SET:+alt} P2=${UNSET:+alt} P3=${EMPTY+alt} P4=${SET+alt}
ENV R1=${PATHV#*/} R2=${PATHV##*/} R3=${PATHV%.*} R4=${PATHV%%.*}
ENV S1=${PATHV/local/LOCAL} S2=${PATHV//l/L} S3=${SET/#val/VAL} S4=${SET/%ue/UE}
ENV Q1=${SET:?must_be_set} Q2=${SET?must_be_set}
ENV ESC=\$SET LIT='$SET' DQ="$SET" BR=${SET}suffix
WORKDIR /w/${SET}
LABEL l1=${SET:-x} l2="${UNSET:-default value}"
USER ${SET}:${UNSET:-root}
EXPOSE ${PORT:-8080}
