#!/usr/bin/env python3
"""scripts/check_layers.py fails on a wrong-way include, and reads the layer order from the document.

Each test copies docs/architecture.md into a temporary tree, fills its vgs/ with one header per layer
that includes the header of the layer before it (so the tests do not depend on today's sources),
plants a change and runs the check there. Usage: tests/scripts/test_check_layers.py [unittest args]
"""
import importlib.util
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE = pathlib.Path(__file__).resolve().parent.parent.parent
CHECK = SOURCE / "scripts" / "check_layers.py"


def load_check():
    spec = importlib.util.spec_from_file_location("check_layers", CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CheckLayers(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory(prefix="vgs-check-layers-")
        self.root = pathlib.Path(self.temp.name)
        (self.root / "docs").mkdir()
        shutil.copy(SOURCE / "docs" / "architecture.md", self.root / "docs" / "architecture.md")
        layers = load_check().read_layers(self.root / "docs" / "architecture.md")
        self.assertEqual(layers[:3], ["core", "io", "data"])
        self.assertIn("train", layers)
        self.assertEqual(layers[-1], "cli")
        self.plant("vgs/core/layer.h", ["#pragma once"])
        for below, folder in zip(layers, layers[1:]):
            self.plant(f"vgs/{folder}/layer.h", ["#pragma once", f'#include "vgs/{below}/layer.h"'])

    def tearDown(self):
        self.temp.cleanup()

    def check(self):
        run = subprocess.run([sys.executable, str(CHECK), "--root", str(self.root)], capture_output=True, text=True)
        return run.returncode, run.stdout + run.stderr

    def plant(self, relative, lines):
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")

    def edit_layers(self, edit):
        doc = self.root / "docs" / "architecture.md"
        lines = doc.read_text(encoding="utf-8").splitlines()
        edit(lines)
        doc.write_text("\n".join(lines) + "\n", encoding="utf-8")

    @staticmethod
    def layer_line(lines, layer):
        return next(i for i, line in enumerate(lines) if line.split()[:1] == [layer])

    def test_each_layer_including_the_one_below_passes(self):
        status, output = self.check()
        self.assertEqual(status, 0, output)

    def test_an_include_of_a_higher_layer_fails_naming_file_line_and_layers(self):
        self.plant("vgs/data/planted.cpp",
                   ['#include "vgs/data/layer.h"', "", '#include "vgs/train/trainer.h"', "int planted;"])
        status, output = self.check()
        self.assertEqual(status, 1, output)
        self.assertIn("vgs/data/planted.cpp:3:", output)
        self.assertIn("vgs_data includes \"vgs/train/trainer.h\" of vgs_train", output)
        self.assertNotIn("planted.cpp:1:", output)  # a layer may include itself

    def test_headers_and_angle_brackets_are_checked_too(self):
        self.plant("vgs/core/planted.h", ["#pragma once", "#  include <vgs/io/audio.h>  // spaced"])
        status, output = self.check()
        self.assertEqual(status, 1, output)
        self.assertIn("vgs/core/planted.h:2: vgs_core includes <vgs/io/audio.h> of vgs_io", output)

    def test_programs_may_include_any_layer(self):
        self.plant("vgs/cli/vgs_planted.cpp", ['#include "vgs/recipe/recipe.h"', '#include "vgs/core/log.h"'])
        status, output = self.check()
        self.assertEqual(status, 0, output)

    def test_a_layer_added_to_the_document_is_checked(self):
        # Another engineer adds vgs_run between report and train.
        self.edit_layers(lambda lines: lines.insert(self.layer_line(lines, "vgs_train"),
                                                    "vgs_run        run folders and their records"))
        self.plant("vgs/run/run.h", ["#pragma once", '#include "vgs/report/plot.h"'])
        self.plant("vgs/train/planted.cpp", ['#include "vgs/run/run.h"'])
        status, output = self.check()
        self.assertEqual(status, 0, output)
        self.plant("vgs/run/run.cpp", ['#include "vgs/run/run.h"', '#include "vgs/train/trainer.h"'])
        status, output = self.check()
        self.assertEqual(status, 1, output)
        self.assertIn("vgs/run/run.cpp:2: vgs_run includes \"vgs/train/trainer.h\" of vgs_train", output)

    def test_the_order_is_read_from_the_document(self):
        def swap_io_and_data(lines):
            io, data = self.layer_line(lines, "vgs_io"), self.layer_line(lines, "vgs_data")
            lines[io], lines[data] = lines[data], lines[io]

        self.edit_layers(swap_io_and_data)
        status, output = self.check()
        self.assertEqual(status, 1, output)
        self.assertIn('vgs/data/layer.h:2: vgs_data includes "vgs/io/layer.h" of vgs_io', output)

    def test_a_folder_missing_from_the_document_is_an_error(self):
        self.plant("vgs/stray/stray.cpp", ['#include "vgs/core/log.h"'])
        status, output = self.check()
        self.assertEqual(status, 2, output)
        self.assertIn("vgs/stray/", output)

    def test_a_document_without_layers_is_an_error(self):
        self.edit_layers(lambda lines: lines.__setitem__(lines.index("## Layers"), "## Strata"))
        status, output = self.check()
        self.assertEqual(status, 2, output)
        self.assertIn("## Layers", output)


if __name__ == "__main__":
    unittest.main()
