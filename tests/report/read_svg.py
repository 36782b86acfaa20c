"""Reads an SVG written by vgs the way a browser would: parses it as XML and prints what a test
checks (the root element, its size and viewBox, the <title> text, and how many drawing elements)."""
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"

root = ET.parse(sys.argv[1]).getroot()
title = root.find(SVG + "title")
drawn = sum(1 for e in root.iter() if e.tag in (SVG + "path", SVG + "use", SVG + "rect"))
print("root=" + root.tag.replace(SVG, ""))
print("viewBox=" + root.get("viewBox", ""))
print("title=" + (title.text if title is not None else ""))
print("drawn=" + str(drawn))
