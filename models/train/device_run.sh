#!/usr/bin/env bash
# The lent-GPU training call, run from the repository root on the device machine with .gpudata
# carried (.gpudata/train.zip from `python3 -m tandem_click.pack --zip .gpudata/train`). $OUT comes back.
# Usage there: CFG=nanodet_384_gpu INIT=checkpoints/nanodet_384.pt BUDGET=480 [PARENTS=2] bash models/train/device_run.sh
# (INIT: the checkpoint the run starts from; CFG's backbone must match it)
# If the first try fails within 150 s (e.g. /dev/shm too small for the loader), it retries once with
# file-system tensor sharing and 8 loader processes for the rest of the budget.
set -x
nvidia-smi --query-gpu=name,memory.total --format=csv
nproc; free -g; df -h /dev/shm
mount -o remount,size=32G /dev/shm || true
df -h /dev/shm
(cd .gpudata && ${PY:-python3} -m zipfile -e train.zip . && du -sh train)
cd models/train
export PYTHONUNBUFFERED=1
${PY:-python3} -c "import torch,numpy,scipy,PIL;print(torch.__version__,numpy.__version__,scipy.__version__,PIL.__version__,torch.cuda.is_available())"
start=$(date +%s)
W=$(( $(nproc) - 1 ))
BUDGET=${BUDGET:-480}
PARENTS=${PARENTS:-1}
# fast <out dir> <budget s> <loader processes> <salt> <log>: one train_fast run from INIT
fast() {
  ${PY:-python3} -m tandem_click.train_fast --config configs/${CFG:-nanodet_384_gpu}.json --init ${INIT:-checkpoints/nanodet_384.pt} \
    --data ../../.gpudata --out $1 --budget-s $2 --workers $3 --salt $4 > $5 2>&1
}
if [ "$PARENTS" -gt 1 ]; then
  # Several differently-seeded runs from INIT side by side (the GPU is launch-bound at this size;
  # the loader processes are shared out), each in $OUT/p<k>, for a greedy weight average after.
  for k in $(seq 1 $PARENTS); do
    mkdir -p $OUT/p$k
    fast $OUT/p$k $BUDGET $(( W / PARENTS > 0 ? W / PARENTS : 1 )) $(( 10 + k )) $OUT/p$k/stdout.txt &
  done
  wait
  for k in $(seq 1 $PARENTS); do tail -c 1500 $OUT/p$k/stdout.txt; done
  ls -la $OUT/p*
  exit 0
fi
fast $OUT $BUDGET $W 11 $OUT/stdout.txt
rc=$?
tail -c 3000 $OUT/stdout.txt
el=$(( $(date +%s) - start ))
if [ $rc -ne 0 ] && [ $el -lt 150 ]; then
  echo "RETRY: file_system sharing, 8 workers"
  TANDEM_SHARING=file_system fast $OUT/retry $((BUDGET - el - 20)) 8 12 $OUT/stdout_retry.txt
  tail -c 3000 $OUT/stdout_retry.txt
fi
ls -la $OUT $OUT/retry 2>/dev/null
