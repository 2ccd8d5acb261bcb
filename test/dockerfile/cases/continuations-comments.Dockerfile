FROM busybox
RUN echo a \
# a comment inside
    b \

    c
RUN echo trailing \   
    spaces
# final comment
