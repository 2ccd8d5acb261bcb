# check=skip=JSONArgsRecommended,StageNameCasing;error=false
from busybox AS Stage
CMD echo skipped
ENV legacy value
