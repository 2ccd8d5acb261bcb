# check=skip=all and the rest of the line is not read
from busybox as Stage
CMD echo skipped
ENV legacy value
