#include "frontend/ovir/read_ir.h"

#include <pugixml.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <unordered_map>

#include "frontend/ovir/ir_format.h"
#include "frontend/ovir/ir_import.h"
#include "ir/error.h"
#include "ir/file_tensor.h"
#include "ir/limits.h"
#include "ir/verifier.h"

namespace frugal {
namespace {

using namespace ovir;

// The newest opset whose ops we know; "opset17" and later may have changed them.
constexpr int kMaxOpset = 16;

std::string default_bin_path(const std::string& xml) {
    size_t dot = xml.rfind('.');
    size_t slash = xml.rfind('/');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) return xml.substr(0, dot) + ".bin";
    return xml + ".bin";
}

bool is_type(const IrLayer& l, const char* type) { return lowercase(l.type) == lowercase(type); }

int64_t required_int(pugi::xml_node node, const char* attr, const std::string& where) {
    pugi::xml_attribute a = node.attribute(attr);
    if (a.empty()) fail(where + ": missing attribute '" + attr + "'");
    std::vector<int64_t> v;
    try {
        v = parse_int_list(a.value());
    } catch (const Error&) {
    }
    if (v.size() != 1 || v[0] < 0) fail(where + ": attribute " + attr + "='" + a.value() + "' is not a non-negative integer");
    return v[0];
}

// Tensor names are comma-separated; a name containing a comma escapes it as "\,".
std::vector<std::string> split_names(const std::string& s) {
    std::vector<std::string> names;
    std::string cur;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == ',') {
            cur += ',';
            ++i;
        } else if (s[i] == ',') {
            if (!cur.empty()) names.push_back(cur);
            cur.clear();
        } else {
            cur += s[i];
        }
    }
    if (!cur.empty()) names.push_back(cur);
    return names;
}

class IrReader {
public:
    IrReader(std::string xml_path, std::string bin_path, bool bin_given)
        : xml_path_(std::move(xml_path)), bin_path_(std::move(bin_path)), bin_given_(bin_given) {}

    Model read() {
        try {
            load();
            if (bin_given_) map_bin(nullptr);
            order_ = order_layers();
            for (size_t l : order_) translate(l);
            for (size_t l = 0; l < layers_.size(); ++l)
                if (is_type(layers_[l], "Result") && !values_[l].empty()) model_.graph.outputs.push_back(values_[l][0]);
            if (model_.graph.outputs.empty()) fail("the model has no Result layer");
            verify_graph(model_.graph);
        } catch (const UnsupportedError& e) {
            throw UnsupportedError(xml_path_ + ": " + e.what(), e.feature);
        } catch (const Error& e) {
            throw Error(xml_path_ + ": " + e.what());
        }
        model_.opsets[""] = 21;
        model_.ir_version = 10;  // the ONNX IR version that goes with opset 21
        model_.producer_name = "OpenVINO IR v" + std::to_string(ir_version_);
        model_.path = xml_path_;
        return std::move(model_);
    }

private:
    struct Source {
        size_t layer;
        size_t port;  // index into the producer's outputs
    };

    void load() {
        pugi::xml_parse_result r = doc_.load_file(xml_path_.c_str());
        if (r.status == pugi::status_file_not_found) fail("cannot open: no such file");
        if (r.status == pugi::status_io_error || r.status == pugi::status_out_of_memory) fail(std::string("cannot read: ") + r.description());
        if (!r) fail(std::string("malformed XML: ") + r.description() + " at offset " + std::to_string(r.offset));
        pugi::xml_node net = doc_.child("net");
        if (!net) fail("not an OpenVINO IR file: no <net> element");
        std::string version = net.attribute("version").value();
        if (version != "10" && version != "11")
            fail("unsupported IR version '" + version + "' (frugal reads versions 10 and 11)");
        ir_version_ = std::stoi(version);
        pugi::xml_node layers = net.child("layers");
        if (!layers) fail("no <layers> element");
        for (pugi::xml_node x : layers.children("layer")) parse_layer(x);
        sources_.resize(layers_.size());
        for (size_t l = 0; l < layers_.size(); ++l) sources_[l].resize(layers_[l].inputs.size());
        values_.resize(layers_.size());
        for (pugi::xml_node e : net.child("edges").children("edge")) parse_edge(e);
    }

    void parse_layer(pugi::xml_node x) {
        IrLayer l;
        std::string where = "layer at offset " + std::to_string(x.offset_debug());
        l.id = required_int(x, "id", where);
        l.type = x.attribute("type").value();
        l.name = x.attribute("name").value();
        if (l.name.empty()) l.name = l.type + "_" + std::to_string(l.id);
        l.version = x.attribute("version").value();
        l.xml = x;
        l.data = x.child("data");
        if (l.type.empty()) fail(l.context() + ": missing attribute 'type'");
        if (index_of_.count(l.id))
            fail(l.context() + ": duplicate layer id " + std::to_string(l.id) + " (also used by " +
                 layers_[index_of_[l.id]].context() + ")");
        for (pugi::xml_node p : x.child("input").children("port")) l.inputs.push_back(parse_port(l, p, false));
        for (pugi::xml_node p : x.child("output").children("port")) l.outputs.push_back(parse_port(l, p, true));
        std::vector<int64_t> ids;
        for (const IrPort& p : l.inputs) ids.push_back(p.id);
        for (const IrPort& p : l.outputs) ids.push_back(p.id);
        for (size_t i = 0; i < ids.size(); ++i)
            for (size_t j = 0; j < i; ++j)
                if (ids[i] == ids[j]) fail(l.context() + ": duplicate port id " + std::to_string(ids[i]));
        index_of_[l.id] = layers_.size();
        layers_.push_back(std::move(l));
    }

    IrPort parse_port(const IrLayer& l, pugi::xml_node x, bool output) {
        IrPort p;
        p.id = required_int(x, "id", l.context() + ": port");
        p.shape = PartialShape::of_rank(0);
        for (pugi::xml_node d : x.children("dim")) {
            try {
                p.shape.dims.push_back(parse_ir_dim(d.child_value()));
            } catch (const Error& e) {
                fail(l.context() + ": port " + std::to_string(p.id) + ": " + e.what());
            }
        }
        if (!output) return p;
        std::string precision = x.attribute("precision").value();
        if (!is_unspecified_ir_type(precision)) {
            std::optional<DType> t = dtype_from_ir(precision);
            if (!t)
                throw UnsupportedError(l.context() + ": output port " + std::to_string(p.id) + " has unsupported precision '" +
                                           precision + "'",
                                       "element type " + precision);
            p.dtype = *t;
        }
        p.names = split_names(x.attribute("names").value());
        return p;
    }

    void parse_edge(pugi::xml_node e) {
        int64_t from_id = required_int(e, "from-layer", "edge"), to_id = required_int(e, "to-layer", "edge");
        int64_t from_port = required_int(e, "from-port", "edge"), to_port = required_int(e, "to-port", "edge");
        std::string where = "edge from layer " + std::to_string(from_id) + " port " + std::to_string(from_port) + " to layer " +
                            std::to_string(to_id) + " port " + std::to_string(to_port);
        auto from_it = index_of_.find(from_id), to_it = index_of_.find(to_id);
        if (to_it == index_of_.end()) fail(where + ": there is no layer " + std::to_string(to_id));
        const IrLayer& dst = layers_[to_it->second];
        if (from_it == index_of_.end()) fail(where + ": there is no layer " + std::to_string(from_id) + " (the edge feeds " + dst.context() + ")");
        const IrLayer& src = layers_[from_it->second];
        std::optional<size_t> out;
        for (size_t i = 0; i < src.outputs.size(); ++i)
            if (src.outputs[i].id == from_port) out = i;
        if (!out) fail(where + ": " + src.context() + " has no output port " + std::to_string(from_port));
        std::optional<size_t> in;
        for (size_t i = 0; i < dst.inputs.size(); ++i)
            if (dst.inputs[i].id == to_port) in = i;
        if (!in) fail(where + ": " + dst.context() + " has no input port " + std::to_string(to_port));
        std::optional<Source>& slot = sources_[to_it->second][*in];
        if (slot) fail(where + ": input port " + std::to_string(to_port) + " of " + dst.context() + " has two incoming edges");
        slot = Source{from_it->second, *out};
    }

    // Parameters in file order, then every layer a Result needs, producers first (as OpenVINO
    // does: layers no Result needs are ignored). A cycle of edges is an error naming a layer on it.
    std::vector<size_t> order_layers() {
        std::vector<size_t> order;
        std::vector<char> state(layers_.size(), 0);  // 0 new, 1 on the stack, 2 done
        auto visit = [&](size_t root) {
            if (state[root]) return;
            state[root] = 1;
            std::vector<std::pair<size_t, size_t>> stack = {{root, 0}};
            while (!stack.empty()) {
                size_t l = stack.back().first;
                size_t k = stack.back().second;
                if (k < sources_[l].size()) {
                    stack.back().second++;
                    if (!sources_[l][k]) continue;  // reported when the layer is translated
                    size_t p = sources_[l][k]->layer;
                    if (state[p] == 1) fail("the edges form a cycle through " + layers_[p].context());
                    if (state[p] == 0) {
                        state[p] = 1;
                        stack.push_back({p, 0});
                    }
                } else {
                    state[l] = 2;
                    order.push_back(l);
                    stack.pop_back();
                }
            }
        };
        for (size_t l = 0; l < layers_.size(); ++l)
            if (is_type(layers_[l], "Parameter")) visit(l);
        for (size_t l = 0; l < layers_.size(); ++l)
            if (is_type(layers_[l], "Result")) visit(l);
        return order;
    }

    void check_version(IrLayer& l) {
        const std::string& v = l.version;
        int n = 0;
        bool ok = v.size() > 5 && v.compare(0, 5, "opset") == 0;
        for (size_t i = 5; ok && i < v.size(); ++i) {
            ok = v[i] >= '0' && v[i] <= '9' && n < 1000;
            n = n * 10 + (v[i] - '0');
        }
        if (!ok || n < 1 || n > kMaxOpset)
            throw UnsupportedError(l.context() + ": unknown version '" + v + "' (frugal reads opset1 to opset" +
                                       std::to_string(kMaxOpset) + ")",
                                   "version " + v);
        l.opset = n;
    }

    // The .bin found beside the .xml must really be in the model's folder: a symbolic link there
    // pointing elsewhere (a downloaded folder with weights.bin -> ~/.ssh/id_rsa) is refused, as
    // ONNX external data is. A .bin the user names explicitly is taken as given.
    void check_bin_inside() const {
        namespace fs = std::filesystem;
        fs::path dir = fs::path(xml_path_).parent_path();
        fs::path base = fs::weakly_canonical(dir.empty() ? fs::path(".") : dir);
        std::error_code ec;
        fs::path real = fs::canonical(bin_path_, ec);
        if (ec) return;  // missing: map_file says so
        auto [b, r] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
        if (b != base.end())
            fail("the weights file " + bin_path_ + " resolves to '" + real.string() + "', outside the model's folder");
    }

    void map_bin(const IrLayer* needed_by) {
        if (bin_) return;
        try {
            if (!bin_given_) check_bin_inside();
            bin_ = Buffer::map_file(bin_path_);
        } catch (const Error& e) {
            if (needed_by) fail(needed_by->context() + ": the weights file is needed: " + e.what());
            fail(std::string("the weights file: ") + e.what());
        }
    }

    std::string value_name(const IrLayer& l) {
        if (!l.outputs.empty() && !l.outputs[0].names.empty()) return names_.unique(l.outputs[0].names[0]);
        return names_.unique(l.name);
    }

    void translate(size_t index) {
        IrLayer& l = layers_[index];
        check_version(l);
        std::vector<ValueId> ins;
        for (size_t k = 0; k < l.inputs.size(); ++k) {
            if (!sources_[index][k]) fail(l.context() + ": input port " + std::to_string(l.inputs[k].id) + " has no incoming edge");
            const Source& s = *sources_[index][k];
            if (s.port >= values_[s.layer].size()) fail(l.context() + ": reads an output of " + layers_[s.layer].context() + " that it does not produce");
            ins.push_back(values_[s.layer][s.port]);
        }
        Graph& g = model_.graph;
        if (is_type(l, "Parameter")) {
            values_[index] = {read_parameter(l)};
            g.inputs.push_back(values_[index][0]);
        } else if (is_type(l, "Const") || is_type(l, "Constant")) {
            values_[index] = {read_const(l)};
        } else if (is_type(l, "Result")) {
            if (ins.size() != 1) fail(l.context() + ": takes 1 input, got " + std::to_string(ins.size()));
            values_[index] = ins;
        } else {
            const OpMapping* m = find_op_mapping(l.type);
            if (!m) throw UnsupportedError(l.context() + ": unsupported op type '" + l.type + "'", "op " + l.type);
            if (l.opset < m->since_opset)
                fail(l.context() + ": " + l.type + " is not in " + l.version + " (it first appears in opset" +
                     std::to_string(m->since_opset) + ")");
            if (int(ins.size()) < m->min_inputs || int(ins.size()) > m->max_inputs)
                fail(l.context() + ": takes " + std::to_string(m->min_inputs) +
                     (m->max_inputs == m->min_inputs ? "" : " to " + std::to_string(m->max_inputs)) + " inputs, got " +
                     std::to_string(ins.size()));
            ImportContext ctx(g, l, ins, names_);
            std::vector<ValueId> outs;
            try {
                outs = m->translate(ctx);
            } catch (const UnsupportedError&) {
                throw;
            } catch (const Error& e) {
                // Helpers (axis checks, tensor views) do not know the layer; add it once.
                if (std::string(e.what()).rfind(l.context(), 0) == 0) throw;
                fail(l.context() + ": " + e.what());
            }
            if (outs.size() != l.outputs.size())
                fail(l.context() + ": produces " + std::to_string(outs.size()) + " outputs but the layer lists " +
                     std::to_string(l.outputs.size()) + " output ports");
            values_[index] = std::move(outs);
        }
    }

    ValueId read_parameter(const IrLayer& l) {
        std::string et = l.data.attribute("element_type").value();
        DType t = DType::undefined;
        if (!is_unspecified_ir_type(et)) {
            std::optional<DType> d = dtype_from_ir(et);
            if (!d) throw UnsupportedError(l.context() + ": unsupported element_type '" + et + "'", "element type " + et);
            t = *d;
        } else if (!l.outputs.empty()) {
            t = l.outputs[0].dtype;
        }
        PartialShape shape = l.outputs.empty() ? PartialShape::unknown_rank() : l.outputs[0].shape;
        if (l.data.attribute("shape")) {
            try {
                shape = parse_ir_shape(l.data.attribute("shape").value());
            } catch (const Error& e) {
                fail(l.context() + ": shape: " + e.what());
            }
        }
        return model_.graph.add_value(value_name(l), t, shape);
    }

    ValueId read_const(const IrLayer& l) {
        std::string et = l.data.attribute("element_type").value();
        std::optional<DType> t = dtype_from_ir(et);
        if (!t) throw UnsupportedError(l.context() + ": unsupported element_type '" + et + "'", "element type " + et);
        if (!l.data.attribute("shape")) fail(l.context() + ": missing attribute 'shape'");
        PartialShape ps;
        try {
            ps = parse_ir_shape(l.data.attribute("shape").value());
        } catch (const Error& e) {
            fail(l.context() + ": shape: " + e.what());
        }
        if (!ps.is_static()) fail(l.context() + ": a constant needs a static shape, got " + ps.to_string());
        Shape shape = ps.dims;
        int64_t offset = required_int(l.data, "offset", l.context());
        int64_t size = required_int(l.data, "size", l.context());
        // Checked before multiplying: an overflowing int64 product is undefined behaviour (UBSan).
        int64_t numel = shape_numel(shape);
        int64_t expected = checked_mul(numel, int64_t(dtype_size(*t)), l.context() + ": " + et + ps.to_string() + " in bytes");
        if (size != expected)
            fail(l.context() + ": size " + std::to_string(size) + " does not match " + et + ps.to_string() + " (" +
                 std::to_string(expected) + " bytes)");
        map_bin(&l);
        if (uint64_t(offset) > bin_->size() || uint64_t(size) > bin_->size() - uint64_t(offset))
            fail(l.context() + ": offset " + std::to_string(offset) + " + size " + std::to_string(size) +
                 " is past the end of the weights file (" + std::to_string(bin_->size()) + " bytes)");
        // A view, not a copy: the weight stays in the mapped file (unless it is misaligned there).
        Tensor tensor = tensor_over_file_bytes(*t, shape, Buffer::view(bin_, size_t(offset), size_t(size)));
        return model_.graph.add_constant(value_name(l), std::move(tensor));
    }

    std::string xml_path_, bin_path_;
    bool bin_given_;
    int ir_version_ = 0;
    pugi::xml_document doc_;
    std::vector<IrLayer> layers_;
    std::unordered_map<int64_t, size_t> index_of_;
    std::vector<std::vector<std::optional<Source>>> sources_;  // per layer, per input port
    std::vector<std::vector<ValueId>> values_;                  // per layer, per output port
    std::vector<size_t> order_;
    std::shared_ptr<Buffer> bin_;
    Model model_;
    NameSet names_;
};

}  // namespace

Model read_ir(const std::string& xml_path) { return IrReader(xml_path, default_bin_path(xml_path), false).read(); }

Model read_ir(const std::string& xml_path, const std::string& bin_path) {
    return IrReader(xml_path, bin_path, true).read();
}

}  // namespace frugal
