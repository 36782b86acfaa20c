// The restricted unpickler: a stack machine over plain data objects (no Python, no torch), the
// allow-list of globals a state dict needs, tensor bounds checks, and the flattening of nested
// dicts into "a.b.c" names. Objects live in an arena owned by the reader, so hostile pickles that
// build cycles or share one object many times cannot leak or blow up: flattening and rendering
// have depth and work limits.
#include "vgs/io/pickle_reader.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <unordered_map>

#include "vgs/core/error.h"
#include "vgs/core/strings.h"
#include "vgs/core/utf8.h"

namespace vgs::io {

namespace {

// `inert`: an instance of a configuration class (omegaconf's DictConfig and its parts) that
// checkpoints carry beside the weights; it holds nothing and is left out of the result.
enum class Kind { none, boolean, integer, big_integer, floating, string, bytes, list, tuple, dict, global, storage, tensor, inert };

// The only callables a state dict needs; everything else is refused when its GLOBAL is read.
// `namespace_type` (argparse.Namespace) builds a dict of its attributes; `inert_type` (the
// configuration classes of inert_type_names()) builds an inert object. Neither runs anything.
enum class Callable { ordered_dict, rebuild_tensor_v2, rebuild_parameter, rebuild_parameter_with_state, storage_type,
                      namespace_type, inert_type };

struct Object {
  Kind kind = Kind::none;
  bool flag = false;            // boolean
  int64_t integer = 0;          // integer; index into storages / tensors for storage and tensor
  double number = 0;            // floating
  std::string text;             // string, bytes, big_integer (decimal), global ("module.name")
  Callable callable = Callable::ordered_dict;  // global
  DType dtype = DType::F32;     // global of a storage type
  std::vector<Object*> items;   // list and tuple; dict: key, value, key, value, ...
  bool attributes = false;      // dict: an argparse.Namespace, whose BUILD state is its attributes
};

constexpr int kMaxDepth = 100;            // nesting of dicts and lists in a checkpoint
constexpr size_t kMaxRender = 1 << 20;    // characters of one rendered non-tensor value
constexpr size_t kMaxLongBytes = 1024;    // LONG4 size (Python ints in a config are small)
constexpr size_t kMaxRank = 64;

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::none: return "None";
    case Kind::boolean: return "a bool";
    case Kind::integer:
    case Kind::big_integer: return "an int";
    case Kind::floating: return "a float";
    case Kind::string: return "a string";
    case Kind::bytes: return "bytes";
    case Kind::list: return "a list";
    case Kind::tuple: return "a tuple";
    case Kind::dict: return "a dict";
    case Kind::global: return "a callable";
    case Kind::storage: return "a storage";
    case Kind::tensor: return "a tensor";
    case Kind::inert: return "a configuration object";
  }
  return "an object";
}

// Classes that fairseq's and hydra's checkpoints pickle beside the weights (fairseq's `args`, an
// omegaconf `cfg`), and the type names their metadata refers to. vgs never calls them: an instance
// is an inert object, so accepting them runs no code either.
const std::set<std::string>& inert_type_names() {
  static const std::set<std::string> names = {
      "omegaconf.dictconfig.DictConfig", "omegaconf.listconfig.ListConfig", "omegaconf.base.ContainerMetadata",
      "omegaconf.base.Metadata", "omegaconf.nodes.AnyNode", "omegaconf.nodes.StringNode",
      "omegaconf.nodes.IntegerNode", "omegaconf.nodes.FloatNode", "omegaconf.nodes.BooleanNode",
      "omegaconf.nodes.BytesNode", "omegaconf.nodes.PathNode", "omegaconf.nodes.ValueNode",
      "typing.Any", "collections.defaultdict"};
  return names;
}

// Built-in types named as values (omegaconf's object_type, key_type), under Python 3's and
// protocol 2's Python 2 module name.
bool is_builtin_type(const std::string& module, const std::string& name) {
  static const std::set<std::string> types = {"dict", "list", "tuple", "set", "frozenset", "int", "long", "float",
                                              "str", "unicode", "bytes", "bool", "object"};
  return (module == "builtins" || module == "__builtin__") && types.count(name);
}

// Little-endian two's complement bytes (LONG1/LONG4) as a decimal string.
std::string decimal_of_long(const uint8_t* bytes, size_t n) {
  if (n == 0) return "0";
  std::vector<uint8_t> magnitude(bytes, bytes + n);
  bool negative = magnitude.back() & 0x80;
  if (negative) {  // negate: invert and add one
    unsigned carry = 1;
    for (auto& b : magnitude) {
      unsigned v = static_cast<uint8_t>(~b) + carry;
      b = static_cast<uint8_t>(v);
      carry = v >> 8;
    }
  }
  std::string digits;
  while (true) {  // repeated division by 10, most significant byte first
    bool zero = true;
    unsigned remainder = 0;
    for (size_t i = magnitude.size(); i-- > 0;) {
      unsigned v = (remainder << 8) | magnitude[i];
      magnitude[i] = static_cast<uint8_t>(v / 10);
      remainder = v % 10;
      if (magnitude[i]) zero = false;
    }
    digits += static_cast<char>('0' + remainder);
    if (zero) break;
  }
  if (negative) digits += '-';
  return std::string(digits.rbegin(), digits.rend());
}

// A string as Python's repr() writes it (single quotes unless the text holds one and no double).
std::string python_string_repr(const std::string& text, const char* prefix = "") {
  static const char kHex[] = "0123456789abcdef";
  char quote = text.find('\'') != std::string::npos && text.find('"') == std::string::npos ? '"' : '\'';
  std::string out = prefix;
  out += quote;
  for (unsigned char c : text) {
    if (c == quote || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F) out += std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
    else out += static_cast<char>(c);
  }
  return out + quote;
}

class Unpickler {
 public:
  Unpickler(const uint8_t* data, size_t size, const std::string& source)
      : begin_(data), p_(data), end_(data + size), source_(source) {}

  PickledCheckpoint run() {
    Object* root = execute();
    if (root->kind != Kind::dict && root->kind != Kind::list && root->kind != Kind::tuple)
      throw Error(source_ + ": the checkpoint holds " + kind_name(root->kind) + ", not a dictionary of tensors");
    flatten(root, "", 0);
    result_.storages = std::move(storages_);
    return std::move(result_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(source_ + ": bad pickle: " + what + " (byte " + std::to_string(opcode_at_) + ")");
  }
  [[noreturn]] void refuse(const std::string& name) const {
    std::string why = name.rfind("torch", 0) == 0
                          ? "which vgs does not load (it reads plain dense tensors: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)"
                          : "which a state dict never needs";
    throw Error(source_ + ": refusing to load: the pickle calls " + core::printable(name) + ", " + why);
  }

  // --- reading the byte stream ---
  const uint8_t* take(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) fail("truncated pickle");
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }
  uint64_t take_le(size_t n) {
    const uint8_t* at = take(n);
    uint64_t v = 0;
    for (size_t k = n; k-- > 0;) v = (v << 8) | at[k];
    return v;
  }
  std::string take_line() {
    const uint8_t* newline = static_cast<const uint8_t*>(std::memchr(p_, '\n', end_ - p_));
    if (!newline) fail("truncated pickle");
    std::string line(reinterpret_cast<const char*>(p_), newline - p_);
    p_ = newline + 1;
    return line;
  }
  std::string take_text(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) fail("truncated pickle (a string runs past the end)");
    return std::string(reinterpret_cast<const char*>(take(n)), n);
  }

  // --- objects and the stack ---
  Object* make(Kind kind) {
    arena_.push_back(std::make_unique<Object>());
    arena_.back()->kind = kind;
    return arena_.back().get();
  }
  Object* make_integer(int64_t value) {
    Object* o = make(Kind::integer);
    o->integer = value;
    return o;
  }
  Object* make_string(std::string text) {
    if (!core::valid_utf8(text)) fail("a string is not valid UTF-8");
    Object* o = make(Kind::string);
    o->text = std::move(text);
    return o;
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Object* o) { stack_.push_back(o); }
  Object* pop() {
    if (stack_.size() <= floor()) fail("stack underflow");
    Object* o = stack_.back();
    stack_.pop_back();
    return o;
  }
  Object* top() {
    if (stack_.size() <= floor()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<Object*> pop_mark() {
    if (marks_.empty()) fail("no MARK");
    std::vector<Object*> items(stack_.begin() + marks_.back(), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Object* tuple_of(std::vector<Object*> items) {
    Object* o = make(Kind::tuple);
    o->items = std::move(items);
    return o;
  }
  void memo_put(uint64_t index) { memo_[index] = top(); }
  Object* memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " is undefined");
    return it->second;
  }

  // Python dict semantics for the keys a checkpoint uses: setting a key again replaces its value.
  std::string key_text(const Object* key) {
    switch (key->kind) {
      case Kind::string: return key->text;
      case Kind::integer: return std::to_string(key->integer);
      case Kind::big_integer: return key->text;
      case Kind::boolean: return key->flag ? "True" : "False";
      case Kind::none: return "None";
      case Kind::floating: return python_float_repr(key->number);
      default: fail(std::string("a dictionary key is ") + kind_name(key->kind) + "; a state dict's keys are strings");
    }
  }
  void set_item(Object* dict, Object* key, Object* value) {
    if (dict->kind == Kind::inert) return;  // a defaultdict's entries
    if (dict->kind != Kind::dict) fail(std::string("SETITEM on ") + kind_name(dict->kind));
    std::string tagged = std::to_string(static_cast<int>(key->kind)) + ':' + key_text(key);
    auto& index = dict_keys_[dict];
    auto [it, inserted] = index.emplace(tagged, dict->items.size());
    if (inserted) {
      dict->items.push_back(key);
      dict->items.push_back(value);
    } else {
      dict->items[it->second + 1] = value;
    }
  }
  void append(Object* list, Object* value) {
    if (list->kind == Kind::inert) return;
    if (list->kind != Kind::list) fail(std::string("APPEND to ") + kind_name(list->kind));
    list->items.push_back(value);
  }

  // --- globals, calls and persistent ids ---
  Object* global(const std::string& module, const std::string& name) {
    static const char* kStorages[][2] = {{"DoubleStorage", "F64"}, {"FloatStorage", "F32"}, {"HalfStorage", "F16"},
                                         {"BFloat16Storage", "BF16"}, {"LongStorage", "I64"}, {"IntStorage", "I32"},
                                         {"ShortStorage", "I16"}, {"CharStorage", "I8"}, {"ByteStorage", "U8"},
                                         {"BoolStorage", "BOOL"}};
    Object* o = make(Kind::global);
    o->text = module + "." + name;
    if (module == "collections" && name == "OrderedDict") o->callable = Callable::ordered_dict;
    else if (module == "torch._utils" && name == "_rebuild_tensor_v2") o->callable = Callable::rebuild_tensor_v2;
    else if (module == "torch._utils" && name == "_rebuild_parameter") o->callable = Callable::rebuild_parameter;
    else if (module == "torch._utils" && name == "_rebuild_parameter_with_state")
      o->callable = Callable::rebuild_parameter_with_state;
    else if (module == "argparse" && name == "Namespace") o->callable = Callable::namespace_type;
    else if (inert_type_names().count(o->text) || is_builtin_type(module, name)) o->callable = Callable::inert_type;
    else if (module == "torch") {
      o->callable = Callable::storage_type;
      bool known = false;
      for (auto& storage : kStorages)
        if (name == storage[0]) known = parse_dtype(storage[1], o->dtype);
      if (!known) refuse(o->text);
    } else {
      refuse(o->text);
    }
    return o;
  }

  Object* reduce(Object* callable, Object* args) {
    if (callable->kind != Kind::global) fail(std::string("REDUCE calls ") + kind_name(callable->kind));
    if (args->kind != Kind::tuple) fail("REDUCE arguments are not a tuple");
    const auto& a = args->items;
    switch (callable->callable) {
      case Callable::ordered_dict:
        if (!a.empty()) fail("collections.OrderedDict called with arguments");
        return make(Kind::dict);
      case Callable::rebuild_tensor_v2:
        return rebuild_tensor(a);
      case Callable::rebuild_parameter:
      case Callable::rebuild_parameter_with_state: {
        // (data, requires_grad, backward_hooks[, state]): a Parameter loads as its data.
        size_t expected = callable->callable == Callable::rebuild_parameter ? 3 : 4;
        if (a.size() != expected || a[0]->kind != Kind::tensor) fail(callable->text + " called with unexpected arguments");
        return a[0];
      }
      case Callable::storage_type:
        refuse(callable->text);
      case Callable::namespace_type:
      case Callable::inert_type:
        return instantiate(callable);  // defaultdict(dict) and the like: the arguments are not needed
    }
    fail("unknown callable");
  }

  // NEWOBJ / NEWOBJ_EX: cls.__new__(cls, *args) for the two kinds of configuration object only.
  Object* new_object(Object* cls) {
    if (cls->kind != Kind::global ||
        (cls->callable != Callable::namespace_type && cls->callable != Callable::inert_type)) {
      std::string what = cls->kind == Kind::global ? core::printable(cls->text) : kind_name(cls->kind);
      throw Error(source_ + ": refusing to load: the pickle constructs an object of " + what + " (byte " +
                  std::to_string(opcode_at_) + "), which a state dict never needs");
    }
    return instantiate(cls);
  }

  // An argparse.Namespace is a dict of its attributes (filled by BUILD); the rest are inert objects.
  Object* instantiate(const Object* cls) {
    if (cls->callable == Callable::namespace_type) {
      Object* o = make(Kind::dict);
      o->attributes = true;
      return o;
    }
    Object* o = make(Kind::inert);
    o->text = cls->text;
    return o;
  }

  // BUILD `state` into the object below it: an OrderedDict's attributes (its _metadata) are dropped,
  // as is a configuration object's state; a Namespace's attributes become its entries.
  void build(Object* state) {
    Object* target = top();
    if (target->kind == Kind::inert) return;
    if (target->kind != Kind::dict) fail(std::string("BUILD on ") + kind_name(target->kind));
    if (!target->attributes) return;
    if (state->kind != Kind::dict) fail("BUILD of argparse.Namespace with " + std::string(kind_name(state->kind)));
    for (size_t k = 0; k < state->items.size(); k += 2) set_item(target, state->items[k], state->items[k + 1]);
  }

  std::vector<int64_t> int_tuple(const Object* o, const char* what) {
    if (o->kind != Kind::tuple) fail(std::string("tensor ") + what + " is not a tuple");
    if (o->items.size() > kMaxRank) fail(std::string("tensor ") + what + " has more than 64 dimensions");
    std::vector<int64_t> values;
    for (const Object* item : o->items) {
      if (item->kind != Kind::integer || item->integer < 0) fail(std::string("tensor ") + what + " holds a negative or non-integer value");
      values.push_back(item->integer);
    }
    return values;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]):
  // a view into the storage, checked to stay inside it.
  Object* rebuild_tensor(const std::vector<Object*>& a) {
    if ((a.size() != 6 && a.size() != 7) || a[0]->kind != Kind::storage || a[1]->kind != Kind::integer ||
        a[1]->integer < 0)
      fail("torch._utils._rebuild_tensor_v2 called with unexpected arguments");
    PickledTensor t;
    t.storage = static_cast<size_t>(a[0]->integer);
    t.offset = a[1]->integer;
    t.shape = int_tuple(a[2], "size");
    t.stride = int_tuple(a[3], "stride");
    if (t.shape.size() != t.stride.size()) fail("tensor size and stride differ in length");
    const PickledStorage& storage = storages_[t.storage];
    // The last element's position: offset + sum((size - 1) * stride), overflow-checked.
    int64_t last = t.offset, count = 1;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      int64_t step = 0;
      if (__builtin_mul_overflow(count, t.shape[d], &count) ||
          (t.shape[d] > 0 && (__builtin_mul_overflow(t.shape[d] - 1, t.stride[d], &step) ||
                              __builtin_add_overflow(last, step, &last))))
        fail("tensor size overflows");
    }
    bool empty = count == 0;
    bool inside = empty ? t.offset <= storage.numel : last < storage.numel;
    if (!inside)
      throw Error(source_ + ": a tensor's elements (offset " + std::to_string(t.offset) + ", last element " +
                  std::to_string(last) + ") run past the end of its storage '" + core::printable(storage.key) + "' of " +
                  std::to_string(storage.numel) + " elements");
    tensors_.push_back(std::move(t));
    Object* o = make(Kind::tensor);
    o->integer = static_cast<int64_t>(tensors_.size() - 1);
    return o;
  }

  // torch.save's persistent id: ('storage', torch.<X>Storage, key, location, numel).
  Object* persistent_load(Object* pid) {
    const auto& a = pid->items;
    if (pid->kind != Kind::tuple || a.size() != 5 || a[0]->kind != Kind::string || a[0]->text != "storage" ||
        a[1]->kind != Kind::global || a[1]->callable != Callable::storage_type || a[2]->kind != Kind::string ||
        a[3]->kind != Kind::string || a[4]->kind != Kind::integer || a[4]->integer < 0)
      fail("a persistent id is not a torch storage ('storage', type, key, location, size)");
    PickledStorage storage{a[2]->text, a[1]->dtype, a[4]->integer, a[3]->text};
    auto [it, inserted] = storage_index_.emplace(storage.key, storages_.size());
    if (inserted) {
      storages_.push_back(storage);
    } else {
      const PickledStorage& known = storages_[it->second];
      if (known.dtype != storage.dtype || known.numel != storage.numel)
        fail("storage '" + core::printable(storage.key) + "' is declared twice with different types or sizes");
    }
    Object* o = make(Kind::storage);
    o->integer = static_cast<int64_t>(it->second);
    return o;
  }

  Object* execute();
  void step(uint8_t op);

  // --- flattening the result ---
  static std::string join(const std::string& prefix, const std::string& key) { return prefix.empty() ? key : prefix + "." + key; }
  void count_visit() {
    // A pickle may reference one object from many places; a real checkpoint does so rarely.
    if (++visits_ > 4 * arena_.size() + 1024) throw Error(source_ + ": the pickle shares objects too often to flatten (a hostile file?)");
  }
  static bool is_inert(const Object* o) {
    return o->kind == Kind::inert || (o->kind == Kind::global && o->callable == Callable::inert_type);
  }
  bool holds_tensor(const Object* o, int depth);
  void flatten(const Object* o, const std::string& name, int depth);
  void render(const Object* o, std::string& out, int depth);
  void add_name(const std::string& name) {
    if (!names_.insert(name).second) throw Error(source_ + ": two entries are both named '" + core::printable(name) + "'");
  }

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  size_t opcode_at_ = 0;
  const std::string& source_;
  std::vector<std::unique_ptr<Object>> arena_;
  std::vector<Object*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Object*> memo_;
  std::unordered_map<const Object*, std::unordered_map<std::string, size_t>> dict_keys_;
  std::vector<PickledStorage> storages_;
  std::unordered_map<std::string, size_t> storage_index_;
  std::vector<PickledTensor> tensors_;
  std::unordered_map<const Object*, bool> holds_tensor_;
  std::set<std::string> names_;
  size_t visits_ = 0;
  PickledCheckpoint result_;
};

Object* Unpickler::execute() {
  while (true) {
    opcode_at_ = static_cast<size_t>(p_ - begin_);
    uint8_t op = *take(1);
    if (op == '.') {  // STOP
      Object* result = pop();
      return result;
    }
    step(op);
  }
}

void Unpickler::step(uint8_t op) {
  switch (op) {
    case 0x80: {  // PROTO
      unsigned version = *take(1);
      if (version < 2 || version > 5) fail("pickle protocol " + std::to_string(version) + " is not supported");
      break;
    }
    case 0x95: take(8); break;  // FRAME: only a read-ahead hint
    case '(': marks_.push_back(stack_.size()); break;  // MARK
    case '0': pop(); break;  // POP
    case '1': pop_mark(); break;  // POP_MARK
    case '2': push(top()); break;  // DUP
    case 'N': push(make(Kind::none)); break;
    case 0x88:
    case 0x89: {  // NEWTRUE, NEWFALSE
      Object* o = make(Kind::boolean);
      o->flag = op == 0x88;
      push(o);
      break;
    }
    case 'J': push(make_integer(static_cast<int32_t>(take_le(4)))); break;  // BININT
    case 'K': push(make_integer(static_cast<int64_t>(take_le(1)))); break;  // BININT1
    case 'M': push(make_integer(static_cast<int64_t>(take_le(2)))); break;  // BININT2
    case 0x8a:    // LONG1
    case 0x8b: {  // LONG4
      uint64_t n = op == 0x8a ? take_le(1) : take_le(4);
      if (n > kMaxLongBytes) fail("an integer of " + std::to_string(n) + " bytes");
      if (n > static_cast<uint64_t>(end_ - p_)) fail("truncated pickle");
      const uint8_t* bytes = take(n);
      if (n <= 8) {
        uint64_t v = 0;
        for (size_t k = n; k-- > 0;) v = (v << 8) | bytes[k];
        if (n > 0 && n < 8 && (bytes[n - 1] & 0x80)) v |= ~uint64_t{0} << (8 * n);  // sign-extend
        push(make_integer(static_cast<int64_t>(v)));
      } else {
        Object* o = make(Kind::big_integer);
        o->text = decimal_of_long(bytes, n);
        push(o);
      }
      break;
    }
    case 'G': {  // BINFLOAT: big-endian IEEE double
      const uint8_t* b = take(8);
      uint64_t bits = 0;
      for (int k = 0; k < 8; ++k) bits = (bits << 8) | b[k];
      Object* o = make(Kind::floating);
      std::memcpy(&o->number, &bits, sizeof bits);
      push(o);
      break;
    }
    case 'X': push(make_string(take_text(take_le(4)))); break;     // BINUNICODE
    case 0x8c: push(make_string(take_text(take_le(1)))); break;    // SHORT_BINUNICODE
    case 0x8d: push(make_string(take_text(take_le(8)))); break;    // BINUNICODE8
    case 'B':                                                      // BINBYTES
    case 'C':                                                      // SHORT_BINBYTES
    case 0x8e: {                                                   // BINBYTES8
      Object* o = make(Kind::bytes);
      o->text = take_text(take_le(op == 'B' ? 4 : op == 'C' ? 1 : 8));
      push(o);
      break;
    }
    case '}': push(make(Kind::dict)); break;   // EMPTY_DICT
    case ']': push(make(Kind::list)); break;   // EMPTY_LIST
    case ')': push(tuple_of({})); break;       // EMPTY_TUPLE
    case 't': push(tuple_of(pop_mark())); break;  // TUPLE
    case 0x85:
    case 0x86:
    case 0x87: {  // TUPLE1, TUPLE2, TUPLE3
      std::vector<Object*> items(op - 0x84);
      for (size_t k = items.size(); k-- > 0;) items[k] = pop();
      push(tuple_of(std::move(items)));
      break;
    }
    case 'l': {  // LIST
      Object* o = make(Kind::list);
      o->items = pop_mark();
      push(o);
      break;
    }
    case 'd': {  // DICT
      std::vector<Object*> items = pop_mark();
      if (items.size() % 2) fail("DICT with an odd number of items");
      Object* o = make(Kind::dict);
      for (size_t k = 0; k < items.size(); k += 2) set_item(o, items[k], items[k + 1]);
      push(o);
      break;
    }
    case 's': {  // SETITEM
      Object* value = pop();
      Object* key = pop();
      set_item(top(), key, value);
      break;
    }
    case 'u': {  // SETITEMS
      std::vector<Object*> items = pop_mark();
      if (items.size() % 2) fail("SETITEMS with an odd number of items");
      Object* dict = top();
      for (size_t k = 0; k < items.size(); k += 2) set_item(dict, items[k], items[k + 1]);
      break;
    }
    case 'a': {  // APPEND
      Object* value = pop();
      append(top(), value);
      break;
    }
    case 'e': {  // APPENDS
      std::vector<Object*> items = pop_mark();
      Object* list = top();
      for (Object* item : items) append(list, item);
      break;
    }
    case 'q': memo_put(take_le(1)); break;                // BINPUT
    case 'r': memo_put(take_le(4)); break;                // LONG_BINPUT
    case 0x94: memo_put(memo_.size()); break;             // MEMOIZE
    case 'h': push(memo_get(take_le(1))); break;          // BINGET
    case 'j': push(memo_get(take_le(4))); break;          // LONG_BINGET
    case 'c': {  // GLOBAL "module\nname\n"
      std::string module = take_line();
      std::string name = take_line();
      push(global(module, name));
      break;
    }
    case 0x93: {  // STACK_GLOBAL
      Object* name = pop();
      Object* module = pop();
      if (module->kind != Kind::string || name->kind != Kind::string) fail("STACK_GLOBAL names are not strings");
      push(global(module->text, name->text));
      break;
    }
    case 'R': {  // REDUCE
      Object* args = pop();
      Object* callable = pop();
      push(reduce(callable, args));
      break;
    }
    case 'b': build(pop()); break;  // BUILD: the state, then the object it sets up
    case 'Q': push(persistent_load(pop())); break;  // BINPERSID
    case 0x81:    // NEWOBJ: cls, args
    case 0x92: {  // NEWOBJ_EX: cls, args, kwargs
      for (int arguments = op == 0x81 ? 1 : 2; arguments > 0; --arguments) pop();
      push(new_object(pop()));
      break;
    }
    case 'i':   // INST
    case 'o':   // OBJ
    case 0x82:  // EXT1
    case 0x83:  // EXT2
    case 0x84:  // EXT4
    {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", op);
      throw Error(source_ + ": refusing to load: the pickle constructs arbitrary objects (opcode " + hex + " at byte " +
                  std::to_string(opcode_at_) + "), which a state dict never needs");
    }
    default: {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", op);
      fail(std::string("unsupported opcode ") + hex + " (not a torch.save state dict?)");
    }
  }
}

bool Unpickler::holds_tensor(const Object* o, int depth) {
  if (o->kind == Kind::tensor) return true;
  if (o->kind != Kind::list && o->kind != Kind::tuple && o->kind != Kind::dict) return false;
  if (depth > kMaxDepth) throw Error(source_ + ": the checkpoint is nested more than 100 levels deep (a cycle?)");
  auto cached = holds_tensor_.find(o);
  if (cached != holds_tensor_.end()) return cached->second;
  count_visit();
  bool holds = false;
  for (const Object* item : o->items)
    if (holds_tensor(item, depth + 1)) {
      holds = true;
      break;
    }
  return holds_tensor_[o] = holds;
}

void Unpickler::flatten(const Object* o, const std::string& name, int depth) {
  if (depth > kMaxDepth) throw Error(source_ + ": the checkpoint is nested more than 100 levels deep (a cycle?)");
  count_visit();
  bool is_root = depth == 0;
  if (is_inert(o)) return;  // configuration objects carry nothing vgs reads
  if (o->kind == Kind::tensor) {
    add_name(name);
    PickledTensor t = tensors_[static_cast<size_t>(o->integer)];
    t.name = name;
    result_.tensors.push_back(std::move(t));
  } else if (o->kind == Kind::dict && (is_root || !o->items.empty())) {
    for (size_t k = 0; k < o->items.size(); k += 2) flatten(o->items[k + 1], join(name, key_text(o->items[k])), depth + 1);
  } else if ((o->kind == Kind::list || o->kind == Kind::tuple) && (is_root || holds_tensor(o, depth))) {
    for (size_t k = 0; k < o->items.size(); ++k) flatten(o->items[k], join(name, std::to_string(k)), depth + 1);
  } else {
    add_name(name);
    std::string text;
    if (o->kind == Kind::string) text = o->text;
    else if (o->kind == Kind::boolean) text = o->flag ? "true" : "false";
    else render(o, text, depth);
    result_.metadata.emplace_back(name, std::move(text));
  }
}

// A non-tensor value as Python's repr() would print it, cut at kMaxRender characters.
void Unpickler::render(const Object* o, std::string& out, int depth) {
  if (depth > kMaxDepth) throw Error(source_ + ": the checkpoint is nested more than 100 levels deep (a cycle?)");
  if (out.size() > kMaxRender) return;
  switch (o->kind) {
    case Kind::none: out += "None"; return;
    case Kind::boolean: out += o->flag ? "True" : "False"; return;
    case Kind::integer: out += std::to_string(o->integer); return;
    case Kind::big_integer: out += o->text; return;
    case Kind::floating: out += python_float_repr(o->number); return;
    case Kind::string: out += python_string_repr(o->text); return;
    case Kind::bytes: out += python_string_repr(o->text, "b"); return;
    case Kind::list:
    case Kind::tuple:
    case Kind::dict: {
      bool dict = o->kind == Kind::dict;
      out += dict ? '{' : o->kind == Kind::list ? '[' : '(';
      size_t step = dict ? 2 : 1;
      for (size_t k = 0; k < o->items.size(); k += step) {
        if (out.size() > kMaxRender) {
          out += "...";
          break;
        }
        if (k) out += ", ";
        render(o->items[k], out, depth + 1);
        if (dict) {
          out += ": ";
          render(o->items[k + 1], out, depth + 1);
        }
      }
      if (o->kind == Kind::tuple && o->items.size() == 1) out += ',';
      out += dict ? '}' : o->kind == Kind::list ? ']' : ')';
      return;
    }
    case Kind::inert: out += "<" + o->text + " object>"; return;
    case Kind::global:
      if (is_inert(o)) {
        out += "<class '" + o->text + "'>";
        return;
      }
      throw Error(source_ + ": the checkpoint holds the callable " + core::printable(o->text) + " as a value");
    case Kind::storage:
      throw Error(source_ + ": the checkpoint holds a bare storage, not a tensor");
    case Kind::tensor:
      throw Error(source_ + ": the checkpoint holds a tensor inside a dictionary key or set");
  }
}

}  // namespace

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  // The shortest digits that read back as the same double, as Python's repr uses.
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::string text = buffer;
  size_t e = text.find('e');
  int exponent = std::atoi(text.c_str() + e + 1);
  bool negative = text[0] == '-';
  std::string digits;
  for (size_t k = negative ? 1 : 0; k < e; ++k)
    if (text[k] != '.') digits += text[k];
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else {
      size_t whole = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= whole) out += digits + std::string(whole - digits.size(), '0') + ".0";
      else out += digits.substr(0, whole) + "." + digits.substr(whole);
    }
  } else {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp;
  }
  return out;
}

PickledCheckpoint read_torch_pickle(const uint8_t* data, size_t size, const std::string& source) {
  return Unpickler(data, size, source).run();
}

}  // namespace vgs::io
