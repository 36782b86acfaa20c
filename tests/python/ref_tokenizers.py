"""The tokenizer references of tests/text: open_clip's SimpleTokenizer (OpenAI CLIP's BPE, with
ftfy) and SentencePiece's own Python binding.

Usage:
  ref_tokenizers.py clip-vocab                   -> prints the path of open_clip's bpe_simple_vocab_16e6.txt.gz
  ref_tokenizers.py clip TEXTS.json OUT.json     -> per text: ids (SimpleTokenizer.encode), row
                                                    (open_clip.tokenize, context 77), clean (_clean_lower)
  ref_tokenizers.py clean TEXTS.json OUT.json    -> per text: _clean_lower(text)
  ref_tokenizers.py sentencepiece MODEL TEXTS.json OUT.json -> per text: ids, pieces (the model loaded
                                                    by sentencepiece.SentencePieceProcessor)
TEXTS.json is a JSON list of strings; OUT.json a list of objects, one per text.
"""
import json
import sys


def read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False)


def clip(texts):
    import open_clip
    from open_clip.tokenizer import SimpleTokenizer, _clean_lower

    tokenizer = SimpleTokenizer()
    rows = open_clip.tokenize(texts, context_length=77).tolist()
    return [{"ids": tokenizer.encode(t), "row": row, "clean": _clean_lower(t)} for t, row in zip(texts, rows)]


def main(argv):
    command = argv[1]
    if command == "clip-vocab":
        # found without importing open_clip (and torch): the file open_clip's default_bpe() names
        import importlib.util
        import os

        package = importlib.util.find_spec("open_clip").submodule_search_locations[0]
        print(os.path.join(package, "bpe_simple_vocab_16e6.txt.gz"))
    elif command == "clip":
        write(argv[3], clip(read(argv[2])))
    elif command == "clean":
        from open_clip.tokenizer import _clean_lower

        write(argv[3], [{"clean": _clean_lower(t)} for t in read(argv[2])])
    elif command == "sentencepiece":
        import sentencepiece

        sp = sentencepiece.SentencePieceProcessor(model_file=argv[2])
        texts = read(argv[3])
        write(argv[4], [{"ids": sp.encode(t), "pieces": sp.encode(t, out_type=str)} for t in texts])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
