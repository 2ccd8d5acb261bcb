FROM busybox
ENV LEGACY value with spaces
ENV A=1 B="two words" C='single $quoted' D=escaped\ space
ENV E=$A-${B} \
    F="multi \
line"
ENV PATH=/custom/bin:$PATH
RUN echo $A $B $C $D $E $F
