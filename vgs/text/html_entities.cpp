// HTML character references: Python's html.unescape (html/__init__.py: the _charref pattern,
// _replace_charref, the _invalid_charrefs and _invalid_codepoints tables) and ftfy's unescape_html
// (fixes.py, chardata.HTML_ENTITIES), on spanned text.
#include "vgs/text/html_entities.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace vgs::text {
namespace {

struct Entity {
  const char* name;
  const char32_t* value;
};

// The entries of Python's html.entities.html5 whose name is an HTML 4 entity in any letter case,
// generated with Python 3.11 (names without ';' are the legacy ones html.unescape accepts bare).
const Entity kHtml5[] = {
    {"Aacute", U"\u00C1"}, {"aacute", U"\u00E1"}, {"Aacute;", U"\u00C1"}, {"aacute;", U"\u00E1"},
    {"Acirc", U"\u00C2"}, {"acirc", U"\u00E2"}, {"Acirc;", U"\u00C2"}, {"acirc;", U"\u00E2"},
    {"acute", U"\u00B4"}, {"acute;", U"\u00B4"}, {"AElig", U"\u00C6"}, {"aelig", U"\u00E6"},
    {"AElig;", U"\u00C6"}, {"aelig;", U"\u00E6"}, {"Agrave", U"\u00C0"}, {"agrave", U"\u00E0"},
    {"Agrave;", U"\u00C0"}, {"agrave;", U"\u00E0"}, {"alefsym;", U"\u2135"}, {"Alpha;", U"\u0391"},
    {"alpha;", U"\u03B1"}, {"AMP", U"&"}, {"amp", U"&"}, {"AMP;", U"&"}, {"amp;", U"&"}, {"And;", U"\u2A53"},
    {"and;", U"\u2227"}, {"ang;", U"\u2220"}, {"Aring", U"\u00C5"}, {"aring", U"\u00E5"},
    {"Aring;", U"\u00C5"}, {"aring;", U"\u00E5"}, {"asymp;", U"\u2248"}, {"Atilde", U"\u00C3"},
    {"atilde", U"\u00E3"}, {"Atilde;", U"\u00C3"}, {"atilde;", U"\u00E3"}, {"Auml", U"\u00C4"},
    {"auml", U"\u00E4"}, {"Auml;", U"\u00C4"}, {"auml;", U"\u00E4"}, {"bdquo;", U"\u201E"},
    {"Beta;", U"\u0392"}, {"beta;", U"\u03B2"}, {"brvbar", U"\u00A6"}, {"brvbar;", U"\u00A6"},
    {"bull;", U"\u2022"}, {"Cap;", U"\u22D2"}, {"cap;", U"\u2229"}, {"Ccedil", U"\u00C7"},
    {"ccedil", U"\u00E7"}, {"Ccedil;", U"\u00C7"}, {"ccedil;", U"\u00E7"}, {"cedil", U"\u00B8"},
    {"cedil;", U"\u00B8"}, {"cent", U"\u00A2"}, {"cent;", U"\u00A2"}, {"Chi;", U"\u03A7"},
    {"chi;", U"\u03C7"}, {"circ;", U"\u02C6"}, {"clubs;", U"\u2663"}, {"cong;", U"\u2245"},
    {"COPY", U"\u00A9"}, {"copy", U"\u00A9"}, {"COPY;", U"\u00A9"}, {"copy;", U"\u00A9"},
    {"crarr;", U"\u21B5"}, {"Cup;", U"\u22D3"}, {"cup;", U"\u222A"}, {"curren", U"\u00A4"},
    {"curren;", U"\u00A4"}, {"Dagger;", U"\u2021"}, {"dagger;", U"\u2020"}, {"Darr;", U"\u21A1"},
    {"dArr;", U"\u21D3"}, {"darr;", U"\u2193"}, {"deg", U"\u00B0"}, {"deg;", U"\u00B0"},
    {"Delta;", U"\u0394"}, {"delta;", U"\u03B4"}, {"diams;", U"\u2666"}, {"divide", U"\u00F7"},
    {"divide;", U"\u00F7"}, {"Eacute", U"\u00C9"}, {"eacute", U"\u00E9"}, {"Eacute;", U"\u00C9"},
    {"eacute;", U"\u00E9"}, {"Ecirc", U"\u00CA"}, {"ecirc", U"\u00EA"}, {"Ecirc;", U"\u00CA"},
    {"ecirc;", U"\u00EA"}, {"Egrave", U"\u00C8"}, {"egrave", U"\u00E8"}, {"Egrave;", U"\u00C8"},
    {"egrave;", U"\u00E8"}, {"empty;", U"\u2205"}, {"emsp;", U"\u2003"}, {"ensp;", U"\u2002"},
    {"Epsilon;", U"\u0395"}, {"epsilon;", U"\u03B5"}, {"equiv;", U"\u2261"}, {"Eta;", U"\u0397"},
    {"eta;", U"\u03B7"}, {"ETH", U"\u00D0"}, {"eth", U"\u00F0"}, {"ETH;", U"\u00D0"}, {"eth;", U"\u00F0"},
    {"Euml", U"\u00CB"}, {"euml", U"\u00EB"}, {"Euml;", U"\u00CB"}, {"euml;", U"\u00EB"},
    {"euro;", U"\u20AC"}, {"exist;", U"\u2203"}, {"fnof;", U"\u0192"}, {"ForAll;", U"\u2200"},
    {"forall;", U"\u2200"}, {"frac12", U"\u00BD"}, {"frac12;", U"\u00BD"}, {"frac14", U"\u00BC"},
    {"frac14;", U"\u00BC"}, {"frac34", U"\u00BE"}, {"frac34;", U"\u00BE"}, {"frasl;", U"\u2044"},
    {"Gamma;", U"\u0393"}, {"gamma;", U"\u03B3"}, {"gE;", U"\u2267"}, {"ge;", U"\u2265"}, {"GT", U">"},
    {"gt", U">"}, {"GT;", U">"}, {"Gt;", U"\u226B"}, {"gt;", U">"}, {"hArr;", U"\u21D4"},
    {"harr;", U"\u2194"}, {"hearts;", U"\u2665"}, {"hellip;", U"\u2026"}, {"Iacute", U"\u00CD"},
    {"iacute", U"\u00ED"}, {"Iacute;", U"\u00CD"}, {"iacute;", U"\u00ED"}, {"Icirc", U"\u00CE"},
    {"icirc", U"\u00EE"}, {"Icirc;", U"\u00CE"}, {"icirc;", U"\u00EE"}, {"iexcl", U"\u00A1"},
    {"iexcl;", U"\u00A1"}, {"Igrave", U"\u00CC"}, {"igrave", U"\u00EC"}, {"Igrave;", U"\u00CC"},
    {"igrave;", U"\u00EC"}, {"image;", U"\u2111"}, {"infin;", U"\u221E"}, {"Int;", U"\u222C"},
    {"int;", U"\u222B"}, {"Iota;", U"\u0399"}, {"iota;", U"\u03B9"}, {"iquest", U"\u00BF"},
    {"iquest;", U"\u00BF"}, {"isin;", U"\u2208"}, {"Iuml", U"\u00CF"}, {"iuml", U"\u00EF"},
    {"Iuml;", U"\u00CF"}, {"iuml;", U"\u00EF"}, {"Kappa;", U"\u039A"}, {"kappa;", U"\u03BA"},
    {"Lambda;", U"\u039B"}, {"lambda;", U"\u03BB"}, {"Lang;", U"\u27EA"}, {"lang;", U"\u27E8"},
    {"laquo", U"\u00AB"}, {"laquo;", U"\u00AB"}, {"Larr;", U"\u219E"}, {"lArr;", U"\u21D0"},
    {"larr;", U"\u2190"}, {"lceil;", U"\u2308"}, {"ldquo;", U"\u201C"}, {"lE;", U"\u2266"},
    {"le;", U"\u2264"}, {"lfloor;", U"\u230A"}, {"lowast;", U"\u2217"}, {"loz;", U"\u25CA"},
    {"lrm;", U"\u200E"}, {"lsaquo;", U"\u2039"}, {"lsquo;", U"\u2018"}, {"LT", U"<"}, {"lt", U"<"},
    {"LT;", U"<"}, {"Lt;", U"\u226A"}, {"lt;", U"<"}, {"macr", U"\u00AF"}, {"macr;", U"\u00AF"},
    {"mdash;", U"\u2014"}, {"micro", U"\u00B5"}, {"micro;", U"\u00B5"}, {"middot", U"\u00B7"},
    {"middot;", U"\u00B7"}, {"minus;", U"\u2212"}, {"Mu;", U"\u039C"}, {"mu;", U"\u03BC"},
    {"nabla;", U"\u2207"}, {"nbsp", U"\u00A0"}, {"nbsp;", U"\u00A0"}, {"ndash;", U"\u2013"},
    {"ne;", U"\u2260"}, {"ni;", U"\u220B"}, {"not", U"\u00AC"}, {"Not;", U"\u2AEC"}, {"not;", U"\u00AC"},
    {"notin;", U"\u2209"}, {"nsub;", U"\u2284"}, {"Ntilde", U"\u00D1"}, {"ntilde", U"\u00F1"},
    {"Ntilde;", U"\u00D1"}, {"ntilde;", U"\u00F1"}, {"Nu;", U"\u039D"}, {"nu;", U"\u03BD"},
    {"Oacute", U"\u00D3"}, {"oacute", U"\u00F3"}, {"Oacute;", U"\u00D3"}, {"oacute;", U"\u00F3"},
    {"Ocirc", U"\u00D4"}, {"ocirc", U"\u00F4"}, {"Ocirc;", U"\u00D4"}, {"ocirc;", U"\u00F4"},
    {"OElig;", U"\u0152"}, {"oelig;", U"\u0153"}, {"Ograve", U"\u00D2"}, {"ograve", U"\u00F2"},
    {"Ograve;", U"\u00D2"}, {"ograve;", U"\u00F2"}, {"oline;", U"\u203E"}, {"Omega;", U"\u03A9"},
    {"omega;", U"\u03C9"}, {"Omicron;", U"\u039F"}, {"omicron;", U"\u03BF"}, {"oplus;", U"\u2295"},
    {"Or;", U"\u2A54"}, {"or;", U"\u2228"}, {"ordf", U"\u00AA"}, {"ordf;", U"\u00AA"}, {"ordm", U"\u00BA"},
    {"ordm;", U"\u00BA"}, {"Oslash", U"\u00D8"}, {"oslash", U"\u00F8"}, {"Oslash;", U"\u00D8"},
    {"oslash;", U"\u00F8"}, {"Otilde", U"\u00D5"}, {"otilde", U"\u00F5"}, {"Otilde;", U"\u00D5"},
    {"otilde;", U"\u00F5"}, {"Otimes;", U"\u2A37"}, {"otimes;", U"\u2297"}, {"Ouml", U"\u00D6"},
    {"ouml", U"\u00F6"}, {"Ouml;", U"\u00D6"}, {"ouml;", U"\u00F6"}, {"para", U"\u00B6"},
    {"para;", U"\u00B6"}, {"part;", U"\u2202"}, {"permil;", U"\u2030"}, {"perp;", U"\u22A5"},
    {"Phi;", U"\u03A6"}, {"phi;", U"\u03C6"}, {"Pi;", U"\u03A0"}, {"pi;", U"\u03C0"}, {"piv;", U"\u03D6"},
    {"plusmn", U"\u00B1"}, {"plusmn;", U"\u00B1"}, {"pound", U"\u00A3"}, {"pound;", U"\u00A3"},
    {"Prime;", U"\u2033"}, {"prime;", U"\u2032"}, {"prod;", U"\u220F"}, {"prop;", U"\u221D"},
    {"Psi;", U"\u03A8"}, {"psi;", U"\u03C8"}, {"QUOT", U"\u0022"}, {"quot", U"\u0022"}, {"QUOT;", U"\u0022"},
    {"quot;", U"\u0022"}, {"radic;", U"\u221A"}, {"Rang;", U"\u27EB"}, {"rang;", U"\u27E9"},
    {"raquo", U"\u00BB"}, {"raquo;", U"\u00BB"}, {"Rarr;", U"\u21A0"}, {"rArr;", U"\u21D2"},
    {"rarr;", U"\u2192"}, {"rceil;", U"\u2309"}, {"rdquo;", U"\u201D"}, {"real;", U"\u211C"},
    {"REG", U"\u00AE"}, {"reg", U"\u00AE"}, {"REG;", U"\u00AE"}, {"reg;", U"\u00AE"}, {"rfloor;", U"\u230B"},
    {"Rho;", U"\u03A1"}, {"rho;", U"\u03C1"}, {"rlm;", U"\u200F"}, {"rsaquo;", U"\u203A"},
    {"rsquo;", U"\u2019"}, {"sbquo;", U"\u201A"}, {"Scaron;", U"\u0160"}, {"scaron;", U"\u0161"},
    {"sdot;", U"\u22C5"}, {"sect", U"\u00A7"}, {"sect;", U"\u00A7"}, {"shy", U"\u00AD"}, {"shy;", U"\u00AD"},
    {"Sigma;", U"\u03A3"}, {"sigma;", U"\u03C3"}, {"sigmaf;", U"\u03C2"}, {"sim;", U"\u223C"},
    {"spades;", U"\u2660"}, {"Sub;", U"\u22D0"}, {"sub;", U"\u2282"}, {"subE;", U"\u2AC5"},
    {"sube;", U"\u2286"}, {"Sum;", U"\u2211"}, {"sum;", U"\u2211"}, {"sup1", U"\u00B9"}, {"sup1;", U"\u00B9"},
    {"sup2", U"\u00B2"}, {"sup2;", U"\u00B2"}, {"sup3", U"\u00B3"}, {"sup3;", U"\u00B3"}, {"Sup;", U"\u22D1"},
    {"sup;", U"\u2283"}, {"supE;", U"\u2AC6"}, {"supe;", U"\u2287"}, {"szlig", U"\u00DF"},
    {"szlig;", U"\u00DF"}, {"Tau;", U"\u03A4"}, {"tau;", U"\u03C4"}, {"there4;", U"\u2234"},
    {"Theta;", U"\u0398"}, {"theta;", U"\u03B8"}, {"thetasym;", U"\u03D1"}, {"thinsp;", U"\u2009"},
    {"THORN", U"\u00DE"}, {"thorn", U"\u00FE"}, {"THORN;", U"\u00DE"}, {"thorn;", U"\u00FE"},
    {"Tilde;", U"\u223C"}, {"tilde;", U"\u02DC"}, {"times", U"\u00D7"}, {"times;", U"\u00D7"},
    {"TRADE;", U"\u2122"}, {"trade;", U"\u2122"}, {"Uacute", U"\u00DA"}, {"uacute", U"\u00FA"},
    {"Uacute;", U"\u00DA"}, {"uacute;", U"\u00FA"}, {"Uarr;", U"\u219F"}, {"uArr;", U"\u21D1"},
    {"uarr;", U"\u2191"}, {"Ucirc", U"\u00DB"}, {"ucirc", U"\u00FB"}, {"Ucirc;", U"\u00DB"},
    {"ucirc;", U"\u00FB"}, {"Ugrave", U"\u00D9"}, {"ugrave", U"\u00F9"}, {"Ugrave;", U"\u00D9"},
    {"ugrave;", U"\u00F9"}, {"uml", U"\u00A8"}, {"uml;", U"\u00A8"}, {"upsih;", U"\u03D2"},
    {"Upsilon;", U"\u03A5"}, {"upsilon;", U"\u03C5"}, {"Uuml", U"\u00DC"}, {"uuml", U"\u00FC"},
    {"Uuml;", U"\u00DC"}, {"uuml;", U"\u00FC"}, {"weierp;", U"\u2118"}, {"Xi;", U"\u039E"},
    {"xi;", U"\u03BE"}, {"Yacute", U"\u00DD"}, {"yacute", U"\u00FD"}, {"Yacute;", U"\u00DD"},
    {"yacute;", U"\u00FD"}, {"yen", U"\u00A5"}, {"yen;", U"\u00A5"}, {"yuml", U"\u00FF"},
    {"Yuml;", U"\u0178"}, {"yuml;", U"\u00FF"}, {"Zeta;", U"\u0396"}, {"zeta;", U"\u03B6"},
    {"zwj;", U"\u200D"}, {"zwnj;", U"\u200C"},
};

// ftfy's upper-case forms of those names that html5 does not define (value: the character's
// upper case), generated from ftfy 6.3.1's chardata._build_html_entities.
const Entity kFtfyUpper[] = {
    {"AACUTE;", U"\u00C1"}, {"ACIRC;", U"\u00C2"}, {"ACUTE;", U"\u00B4"}, {"AELIG;", U"\u00C6"},
    {"AGRAVE;", U"\u00C0"}, {"ALEFSYM;", U"\u2135"}, {"ALPHA;", U"\u0391"}, {"AND;", U"\u2227"},
    {"ANG;", U"\u2220"}, {"ARING;", U"\u00C5"}, {"ASYMP;", U"\u2248"}, {"ATILDE;", U"\u00C3"},
    {"AUML;", U"\u00C4"}, {"BDQUO;", U"\u201E"}, {"BETA;", U"\u0392"}, {"BRVBAR;", U"\u00A6"},
    {"BULL;", U"\u2022"}, {"CAP;", U"\u2229"}, {"CCEDIL;", U"\u00C7"}, {"CEDIL;", U"\u00B8"},
    {"CENT;", U"\u00A2"}, {"CHI;", U"\u03A7"}, {"CIRC;", U"\u02C6"}, {"CLUBS;", U"\u2663"},
    {"CONG;", U"\u2245"}, {"CRARR;", U"\u21B5"}, {"CUP;", U"\u222A"}, {"CURREN;", U"\u00A4"},
    {"DAGGER;", U"\u2020"}, {"DARR;", U"\u2193"}, {"DEG;", U"\u00B0"}, {"DELTA;", U"\u0394"},
    {"DIAMS;", U"\u2666"}, {"DIVIDE;", U"\u00F7"}, {"EACUTE;", U"\u00C9"}, {"ECIRC;", U"\u00CA"},
    {"EGRAVE;", U"\u00C8"}, {"EMPTY;", U"\u2205"}, {"EMSP;", U"\u2003"}, {"ENSP;", U"\u2002"},
    {"EPSILON;", U"\u0395"}, {"EQUIV;", U"\u2261"}, {"ETA;", U"\u0397"}, {"EUML;", U"\u00CB"},
    {"EURO;", U"\u20AC"}, {"EXIST;", U"\u2203"}, {"FNOF;", U"\u0191"}, {"FORALL;", U"\u2200"},
    {"FRAC12;", U"\u00BD"}, {"FRAC14;", U"\u00BC"}, {"FRAC34;", U"\u00BE"}, {"FRASL;", U"\u2044"},
    {"GAMMA;", U"\u0393"}, {"GE;", U"\u2265"}, {"HARR;", U"\u2194"}, {"HEARTS;", U"\u2665"},
    {"HELLIP;", U"\u2026"}, {"IACUTE;", U"\u00CD"}, {"ICIRC;", U"\u00CE"}, {"IEXCL;", U"\u00A1"},
    {"IGRAVE;", U"\u00CC"}, {"IMAGE;", U"\u2111"}, {"INFIN;", U"\u221E"}, {"INT;", U"\u222B"},
    {"IOTA;", U"\u0399"}, {"IQUEST;", U"\u00BF"}, {"ISIN;", U"\u2208"}, {"IUML;", U"\u00CF"},
    {"KAPPA;", U"\u039A"}, {"LAMBDA;", U"\u039B"}, {"LANG;", U"\u27E8"}, {"LAQUO;", U"\u00AB"},
    {"LARR;", U"\u2190"}, {"LCEIL;", U"\u2308"}, {"LDQUO;", U"\u201C"}, {"LE;", U"\u2264"},
    {"LFLOOR;", U"\u230A"}, {"LOWAST;", U"\u2217"}, {"LOZ;", U"\u25CA"}, {"LRM;", U"\u200E"},
    {"LSAQUO;", U"\u2039"}, {"LSQUO;", U"\u2018"}, {"MACR;", U"\u00AF"}, {"MDASH;", U"\u2014"},
    {"MICRO;", U"\u039C"}, {"MIDDOT;", U"\u00B7"}, {"MINUS;", U"\u2212"}, {"MU;", U"\u039C"},
    {"NABLA;", U"\u2207"}, {"NBSP;", U"\u00A0"}, {"NDASH;", U"\u2013"}, {"NE;", U"\u2260"},
    {"NI;", U"\u220B"}, {"NOT;", U"\u00AC"}, {"NOTIN;", U"\u2209"}, {"NSUB;", U"\u2284"},
    {"NTILDE;", U"\u00D1"}, {"NU;", U"\u039D"}, {"OACUTE;", U"\u00D3"}, {"OCIRC;", U"\u00D4"},
    {"OELIG;", U"\u0152"}, {"OGRAVE;", U"\u00D2"}, {"OLINE;", U"\u203E"}, {"OMEGA;", U"\u03A9"},
    {"OMICRON;", U"\u039F"}, {"OPLUS;", U"\u2295"}, {"OR;", U"\u2228"}, {"ORDF;", U"\u00AA"},
    {"ORDM;", U"\u00BA"}, {"OSLASH;", U"\u00D8"}, {"OTILDE;", U"\u00D5"}, {"OTIMES;", U"\u2297"},
    {"OUML;", U"\u00D6"}, {"PARA;", U"\u00B6"}, {"PART;", U"\u2202"}, {"PERMIL;", U"\u2030"},
    {"PERP;", U"\u22A5"}, {"PHI;", U"\u03A6"}, {"PI;", U"\u03A0"}, {"PIV;", U"\u03A0"},
    {"PLUSMN;", U"\u00B1"}, {"POUND;", U"\u00A3"}, {"PRIME;", U"\u2032"}, {"PROD;", U"\u220F"},
    {"PROP;", U"\u221D"}, {"PSI;", U"\u03A8"}, {"RADIC;", U"\u221A"}, {"RANG;", U"\u27E9"},
    {"RAQUO;", U"\u00BB"}, {"RARR;", U"\u2192"}, {"RCEIL;", U"\u2309"}, {"RDQUO;", U"\u201D"},
    {"REAL;", U"\u211C"}, {"RFLOOR;", U"\u230B"}, {"RHO;", U"\u03A1"}, {"RLM;", U"\u200F"},
    {"RSAQUO;", U"\u203A"}, {"RSQUO;", U"\u2019"}, {"SBQUO;", U"\u201A"}, {"SCARON;", U"\u0160"},
    {"SDOT;", U"\u22C5"}, {"SECT;", U"\u00A7"}, {"SHY;", U"\u00AD"}, {"SIGMA;", U"\u03A3"},
    {"SIGMAF;", U"\u03A3"}, {"SIM;", U"\u223C"}, {"SPADES;", U"\u2660"}, {"SUB;", U"\u2282"},
    {"SUBE;", U"\u2286"}, {"SUM;", U"\u2211"}, {"SUP1;", U"\u00B9"}, {"SUP2;", U"\u00B2"},
    {"SUP3;", U"\u00B3"}, {"SUP;", U"\u2283"}, {"SUPE;", U"\u2287"}, {"SZLIG;", U"SS"}, {"TAU;", U"\u03A4"},
    {"THERE4;", U"\u2234"}, {"THETA;", U"\u0398"}, {"THETASYM;", U"\u0398"}, {"THINSP;", U"\u2009"},
    {"TILDE;", U"\u02DC"}, {"TIMES;", U"\u00D7"}, {"UACUTE;", U"\u00DA"}, {"UARR;", U"\u2191"},
    {"UCIRC;", U"\u00DB"}, {"UGRAVE;", U"\u00D9"}, {"UML;", U"\u00A8"}, {"UPSIH;", U"\u03D2"},
    {"UPSILON;", U"\u03A5"}, {"UUML;", U"\u00DC"}, {"WEIERP;", U"\u2118"}, {"XI;", U"\u039E"},
    {"YACUTE;", U"\u00DD"}, {"YEN;", U"\u00A5"}, {"YUML;", U"\u0178"}, {"ZETA;", U"\u0396"},
    {"ZWJ;", U"\u200D"}, {"ZWNJ;", U"\u200C"},
};

using EntityMap = std::unordered_map<std::string, std::u32string>;

const EntityMap& html5_entities() {
  static const EntityMap map = [] {
    EntityMap m;
    for (const Entity& e : kHtml5) m.emplace(e.name, e.value);
    return m;
  }();
  return map;
}

// ftfy decodes only names that end in ';'.
const EntityMap& ftfy_entities() {
  static const EntityMap map = [] {
    EntityMap m;
    for (const Entity& e : kHtml5) {
      const std::string name = e.name;
      if (name.back() == ';') m.emplace("&" + name, e.value);
    }
    for (const Entity& e : kFtfyUpper) m.emplace("&" + std::string(e.name), e.value);
    return m;
  }();
  return map;
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_alnum(char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int digit_value(char32_t c) {
  if (is_digit(c)) return static_cast<int>(c - '0');
  return static_cast<int>((c | 0x20) - 'a' + 10);
}

// html._invalid_codepoints: C0/C1 controls but whitespace, the noncharacters.
bool invalid_code_point(uint32_t n) {
  return (n >= 0x1 && n <= 0x8) || n == 0xB || (n >= 0xE && n <= 0x1F) || (n >= 0x7F && n <= 0x9F) ||
         (n >= 0xFDD0 && n <= 0xFDEF) || (n & 0xFFFE) == 0xFFFE;
}

// _replace_charref for a numeric reference (the number saturates past U+10FFFF, as Python's
// unbounded int lands in the same branch).
std::u32string numeric_reference(uint32_t n) {
  if (n == 0x00) return U"\uFFFD";
  if (n == 0x0D) return U"\r";
  if (n >= 0x80 && n <= 0x9F) return std::u32string(1, windows_1252_c1(n));
  if ((n >= 0xD800 && n <= 0xDFFF) || n > 0x10FFFF) return U"\uFFFD";
  if (invalid_code_point(n)) return U"";
  return std::u32string(1, static_cast<char32_t>(n));
}

// Reads the digits of `text` from `at` in base `base`; returns the index after them.
size_t read_number(const SpannedText& text, size_t at, int base, uint32_t& value) {
  value = 0;
  for (; at < text.size() && (base == 16 ? is_hex_digit(text[at].code) : is_digit(text[at].code)); ++at) {
    value = std::min<uint32_t>(0x110000, value * static_cast<uint32_t>(base) + digit_value(text[at].code));
  }
  return at;
}

// The numeric reference at `amp` ("&#65;", "&#x41", ...): appends it and returns the index after
// it, or 0 when there is none.
size_t numeric_at(const SpannedText& text, size_t amp, SpannedText& out) {
  size_t at = amp + 2;
  int base = 10;
  if (at < text.size() && (text[at].code == 'x' || text[at].code == 'X') && at + 1 < text.size() &&
      is_hex_digit(text[at + 1].code)) {
    base = 16;
    ++at;
  }
  uint32_t value = 0;
  const size_t end_digits = read_number(text, at, base, value);
  if (end_digits == at) return 0;
  const size_t end = end_digits < text.size() && text[end_digits].code == ';' ? end_digits + 1 : end_digits;
  append_replacement(out, text, amp, end, numeric_reference(value));
  return end;
}

bool name_char(char32_t c) {
  return !(c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == '#' || c == ';');
}

// The named reference at `amp` (_replace_charref: the whole name, else its longest known prefix
// of two or more characters, the rest kept): appends it and returns the index after it, or 0.
size_t named_at(const SpannedText& text, size_t amp, SpannedText& out) {
  size_t end = amp + 1;
  while (end < text.size() && end - amp - 1 < 32 && name_char(text[end].code)) ++end;
  if (end == amp + 1) return 0;
  if (end < text.size() && text[end].code == ';') ++end;
  const std::u32string name = code_points(SpannedText(text.begin() + amp + 1, text.begin() + end));
  for (size_t length = name.size(); length >= 2; --length) {
    const auto found = html5_entities().find(to_utf8(std::u32string_view(name).substr(0, length)));
    if (found == html5_entities().end()) continue;
    append_replacement(out, text, amp, amp + 1 + length, found->second);
    out.insert(out.end(), text.begin() + amp + 1 + length, text.begin() + end);
    return end;
  }
  return 0;
}

// The end of the ftfy reference at `amp` (&#?[0-9A-Za-z]{1,24};), or 0.
size_t ftfy_reference_end(const SpannedText& text, size_t amp) {
  size_t at = amp + 1;
  if (at < text.size() && text[at].code == '#') ++at;
  const size_t first = at;
  while (at < text.size() && is_alnum(text[at].code)) ++at;
  if (at == first || at - first > 24 || at >= text.size() || text[at].code != ';') return 0;
  return at + 1;
}

}  // namespace

char32_t windows_1252_c1(char32_t code) {
  static const char32_t kTable[32] = {
      0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
  return code >= 0x80 && code <= 0x9F ? kTable[code - 0x80] : code;
}

SpannedText html_unescape(const SpannedText& text) {
  SpannedText out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t next = 0;
    if (text[i].code == '&' && i + 1 < text.size()) {
      next = text[i + 1].code == '#' ? numeric_at(text, i, out) : named_at(text, i, out);
    }
    if (next == 0) {
      out.push_back(text[i]);
      next = i + 1;
    }
    i = next;
  }
  return out;
}

SpannedText ftfy_unescape_html(const SpannedText& text) {
  SpannedText out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t end = text[i].code == '&' ? ftfy_reference_end(text, i) : 0;
    if (end == 0) {
      out.push_back(text[i++]);
      continue;
    }
    const SpannedText reference(text.begin() + i, text.begin() + end);
    const auto found = ftfy_entities().find(to_utf8(reference));
    if (found != ftfy_entities().end()) {
      append_replacement(out, text, i, end, found->second);
    } else if (reference[1].code == '#') {
      // html.unescape's reading, unless it left part of the reference (its ';') undecoded.
      const SpannedText decoded = html_unescape(reference);
      bool partial = false;
      for (const SpannedChar& c : decoded) partial = partial || c.code == ';';
      if (partial) {
        out.insert(out.end(), reference.begin(), reference.end());
      } else {
        append_replacement(out, text, i, end, code_points(decoded));
      }
    } else {
      out.insert(out.end(), reference.begin(), reference.end());
    }
    i = end;
  }
  return out;
}

}  // namespace vgs::text
