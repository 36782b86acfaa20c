"""Checks TensorBoard event files written by vgs (tests/io/test_tensorboard.cpp) with TensorBoard's own
readers:

  check_tensorboard.py LOGDIR EXPECTED.tsv FILES

LOGDIR holds exactly FILES events files, each named events.out.tfevents.<seconds>.<host>.<pid>.<n>,
each a sequence of TFRecords whose CRCs TensorBoard's reader accepts, starting with the file_version
"brain.Event:2" record; EventAccumulator over LOGDIR finds exactly the scalars of EXPECTED.tsv (lines
"tag<TAB>step<TAB>value", in write order per tag), the values equal to float32(value) exactly.

Exits non-zero with a message on the first difference."""
import math
import os
import re
import struct
import sys
import time

import numpy as np
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

NAME = re.compile(r"events\.out\.tfevents\.\d{10}\.[^/]+\.\d+\.\d+")


def fail(message):
    print("check_tensorboard.py:", message)
    sys.exit(1)


def read_records(path):
    """The records of a TFRecord file, every length and data CRC checked, no trailing bytes."""
    with open(path, "rb") as f:
        data = f.read()
    records, pos = [], 0
    while pos < len(data):
        if pos + 12 > len(data):
            fail(f"{path}: truncated record header at byte {pos}")
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        if length_crc != masked_crc32c(header):
            fail(f"{path}: bad length CRC at byte {pos}")
        body = data[pos + 12 : pos + 12 + length]
        if len(body) != length or pos + 16 + length > len(data):
            fail(f"{path}: truncated record at byte {pos}")
        (data_crc,) = struct.unpack("<I", data[pos + 12 + length : pos + 16 + length])
        if data_crc != masked_crc32c(body):
            fail(f"{path}: bad data CRC at byte {pos}")
        records.append(body)
        pos += 16 + length
    return records


def check_file(path):
    records = read_records(path)
    if not records:
        fail(f"{path}: no records")
    now = time.time()
    for i, record in enumerate(records):
        event = event_pb2.Event()
        event.ParseFromString(record)
        if event.SerializeToString() != record:  # our hand encoding is the canonical one
            fail(f"{path}: record {i} is not canonically encoded")
        if not now - 86400 < event.wall_time <= now + 1:
            fail(f"{path}: record {i} has wall_time {event.wall_time}")
        if i == 0 and event.file_version != "brain.Event:2":
            fail(f"{path}: first record has file_version {event.file_version!r}")
        if i > 0 and (event.file_version or not event.HasField("summary")):
            fail(f"{path}: record {i} is not a summary")


def read_expected(path):
    expected = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            tag, step, value = line.rstrip("\n").split("\t")
            expected.setdefault(tag, []).append((int(step), float(np.float32(float(value)))))
    return expected


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def main():
    logdir, expected_path, files = sys.argv[1], sys.argv[2], int(sys.argv[3])
    names = sorted(os.listdir(logdir))
    if len(names) != files:
        fail(f"{len(names)} files in {logdir}, expected {files}: {names}")
    for name in names:
        if not NAME.fullmatch(name):
            fail(f"unexpected file name {name}")
        check_file(os.path.join(logdir, name))

    expected = read_expected(expected_path)
    acc = event_accumulator.EventAccumulator(logdir, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    tags = sorted(acc.Tags()["scalars"])
    if tags != sorted(expected):
        fail(f"scalar tags {tags}, expected {sorted(expected)}")
    for tag, want in expected.items():
        got = [(e.step, e.value) for e in acc.Scalars(tag)]
        if len(got) != len(want) or not all(gs == ws and same(gv, wv) for (gs, gv), (ws, wv) in zip(got, want)):
            fail(f"{tag}: got {got}, expected {want}")
    print(f"check_tensorboard.py: {sum(map(len, expected.values()))} scalars in {files} files match")


if __name__ == "__main__":
    main()
