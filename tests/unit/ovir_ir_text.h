#pragma once
// Test helpers for the OpenVINO IR frontend: a temporary folder, and IrText, which writes IR
// .xml text and .bin bytes by hand the way OpenVINO lays them out (input ports numbered first,
// output ports after, edges by port id).
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

struct TempDir {
    std::string path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "frugal_ovir_XXXXXX").string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        path = mkdtemp(buf.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string file(const std::string& name) const { return path + "/" + name; }
};

inline void write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
}

struct PortInfo {
    std::string precision;  // "FP32"
    std::vector<int64_t> dims;
};

struct Src {
    int layer = 0;
    int port = 0;
    PortInfo info;
};

inline std::string dims_xml(const std::vector<int64_t>& dims) {
    std::string r;
    for (int64_t d : dims) r += "<dim>" + std::to_string(d) + "</dim>";
    return r;
}

inline std::string join_dims(const std::vector<int64_t>& dims) {
    std::string r;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i) r += ',';
        r += std::to_string(dims[i]);
    }
    return r;
}

inline std::string precision_of(const std::string& et) {
    if (et == "f32") return "FP32";
    if (et == "f16") return "FP16";
    if (et == "bf16") return "BF16";
    if (et == "f64") return "FP64";
    if (et == "boolean") return "BOOL";
    std::string r = et;
    for (char& c : r) c = char(std::toupper(static_cast<unsigned char>(c)));
    return r;
}

class IrText {
public:
    std::string bin;

    Src parameter(const std::string& name, const std::string& et, const std::vector<int64_t>& dims,
                  const std::string& shape_attr = "") {
        int id = next_++;
        std::string shape = shape_attr.empty() ? join_dims(dims) : shape_attr;
        PortInfo out{precision_of(et), dims};
        layers_ += "<layer id=\"" + std::to_string(id) + "\" name=\"" + name + "\" type=\"Parameter\" version=\"opset1\">" +
                   "<data shape=\"" + shape + "\" element_type=\"" + et + "\"/><output>" + out_port(0, out, name) +
                   "</output></layer>\n";
        return {id, 0, out};
    }

    // A Const whose bytes are appended to the .bin (unaligned, as OpenVINO writes them).
    template <class T>
    Src constant(const std::string& name, const std::string& et, const std::vector<int64_t>& dims, const std::vector<T>& values) {
        size_t offset = bin.size();
        bin.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
        return constant_at(name, et, dims, offset, values.size() * sizeof(T));
    }

    Src constant_at(const std::string& name, const std::string& et, const std::vector<int64_t>& dims, size_t offset, size_t size) {
        int id = next_++;
        PortInfo out{precision_of(et), dims};
        layers_ += "<layer id=\"" + std::to_string(id) + "\" name=\"" + name + "\" type=\"Const\" version=\"opset1\">" +
                   "<data element_type=\"" + et + "\" shape=\"" + join_dims(dims) + "\" offset=\"" + std::to_string(offset) +
                   "\" size=\"" + std::to_string(size) + "\"/><output>" + out_port(0, out, name) + "</output></layer>\n";
        return {id, 0, out};
    }

    Src i64(const std::string& name, const std::vector<int64_t>& v, bool scalar = false) {
        return constant<int64_t>(name, "i64", scalar ? std::vector<int64_t>{} : std::vector<int64_t>{int64_t(v.size())}, v);
    }

    std::vector<Src> op(const std::string& type, const std::string& version, const std::string& data,
                        const std::vector<Src>& ins, const std::vector<PortInfo>& outs, std::string name = "") {
        int id = next_++;
        if (name.empty()) name = type + "_" + std::to_string(id);
        std::string x = "<layer id=\"" + std::to_string(id) + "\" name=\"" + name + "\" type=\"" + type + "\" version=\"" +
                        version + "\">";
        if (!data.empty()) x += "<data " + data + "/>";
        int port = 0;
        if (!ins.empty()) {
            x += "<input>";
            for (const Src& s : ins) {
                x += "<port id=\"" + std::to_string(port) + "\" precision=\"" + s.info.precision + "\">" + dims_xml(s.info.dims) + "</port>";
                edges_ += "<edge from-layer=\"" + std::to_string(s.layer) + "\" from-port=\"" + std::to_string(s.port) +
                          "\" to-layer=\"" + std::to_string(id) + "\" to-port=\"" + std::to_string(port) + "\"/>\n";
                ++port;
            }
            x += "</input>";
        }
        std::vector<Src> result;
        if (!outs.empty()) {
            x += "<output>";
            for (size_t i = 0; i < outs.size(); ++i) {
                x += out_port(port, outs[i], outs.size() == 1 ? name : name + "." + std::to_string(i));
                result.push_back({id, port, outs[i]});
                ++port;
            }
            x += "</output>";
        }
        layers_ += x + "</layer>\n";
        return result;
    }

    Src op1(const std::string& type, const std::string& version, const std::string& data, const std::vector<Src>& ins,
            const PortInfo& out, const std::string& name = "") {
        return op(type, version, data, ins, {out}, name)[0];
    }

    void result(const Src& s, const std::string& name = "") {
        int id = next_++;
        layers_ += "<layer id=\"" + std::to_string(id) + "\" name=\"" + (name.empty() ? "result_" + std::to_string(id) : name) +
                   "\" type=\"Result\" version=\"opset1\"><input><port id=\"0\" precision=\"" + s.info.precision + "\">" +
                   dims_xml(s.info.dims) + "</port></input></layer>\n";
        edges_ += "<edge from-layer=\"" + std::to_string(s.layer) + "\" from-port=\"" + std::to_string(s.port) +
                  "\" to-layer=\"" + std::to_string(id) + "\" to-port=\"0\"/>\n";
    }

    // Raw text added to <layers> / <edges>, for the bad-input tests.
    void raw_layer(const std::string& x) { layers_ += x + "\n"; }
    void raw_edge(const std::string& x) { edges_ += x + "\n"; }
    int take_id() { return next_++; }

    std::string xml(const std::string& version = "11") const {
        return "<?xml version=\"1.0\"?>\n<net name=\"test\" version=\"" + version + "\">\n<layers>\n" + layers_ +
               "</layers>\n<edges>\n" + edges_ + "</edges>\n<rt_info/>\n</net>\n";
    }

    // Writes name.xml and name.bin into dir; returns the .xml path.
    std::string save(const TempDir& dir, const std::string& name = "model") const {
        write_text(dir.file(name + ".xml"), xml());
        write_text(dir.file(name + ".bin"), bin);
        return dir.file(name + ".xml");
    }

private:
    static std::string out_port(int id, const PortInfo& p, const std::string& names) {
        return "<port id=\"" + std::to_string(id) + "\" precision=\"" + p.precision + "\" names=\"" + names + "\">" +
               dims_xml(p.dims) + "</port>";
    }

    int next_ = 0;
    std::string layers_, edges_;
};

inline PortInfo f32(std::vector<int64_t> dims) { return {"FP32", std::move(dims)}; }
inline PortInfo i64p(std::vector<int64_t> dims) { return {"I64", std::move(dims)}; }
inline PortInfo boolp(std::vector<int64_t> dims) { return {"BOOL", std::move(dims)}; }
