#!/usr/bin/env python3
"""Copies the tokenizer (every tokenizer.* key, the chat template included) of a GGUF into a new GGUF that
holds no tensors: a few MB that can travel to the GPU machine, where make_random_gguf.py builds models of
the same family around it.

    PYTHONPATH=<llama.cpp>/gguf-py python bench/gpu/extract_vocab.py MODEL.gguf OUT.gguf
"""
import sys

import gguf


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    reader = gguf.GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(dst, arch)
    copied = 0
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        value = field.contents()
        vtype = field.types[0]
        if vtype == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(key, value, vtype, sub_type=field.types[-1])
        else:
            writer.add_key_value(key, value, vtype)
        copied += 1
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"{dst}: {copied} tokenizer keys from {src} ({arch})")


if __name__ == "__main__":
    main()
