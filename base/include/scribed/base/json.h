// nlohmann::json for the whole project: include this instead of
// <nlohmann/json.hpp> and link scribed_json.
//
// Why: the parser, lexer and serializer behind json::parse and dump() are
// large templates that every translation unit calling them would instantiate
// and optimise again -- seconds per file, tens of seconds under the
// sanitizers. The explicit instantiation declarations below make those
// files use the one copy compiled in base/src/json.cc instead. The types are
// nlohmann's own; only where their code is compiled changes.
#pragma once

#include <istream>
#include <nlohmann/json.hpp>
#include <string>

namespace scribed::json_detail {

namespace nd = nlohmann::detail;
using Json = nlohmann::json;
// The inputs json::parse is handed here: std::string, std::string_view or
// const char*, and std::istream.
using StringInput = nd::iterator_input_adapter<std::string::const_iterator>;
using CharsInput = nd::iterator_input_adapter<const char*>;
using StreamInput = nd::input_stream_adapter;

}  // namespace scribed::json_detail

// One list for the declarations here and the definitions in json.cc.
#define SCRIBED_JSON_INSTANTIATIONS(EXTERN)                                                    \
  EXTERN template class nlohmann::detail::serializer<scribed::json_detail::Json>;            \
  EXTERN template class nlohmann::detail::json_sax_dom_parser<scribed::json_detail::Json>;   \
  EXTERN template class nlohmann::detail::json_sax_dom_callback_parser<                      \
      scribed::json_detail::Json>;                                                           \
  SCRIBED_JSON_PARSER(EXTERN, scribed::json_detail::StringInput)                             \
  SCRIBED_JSON_PARSER(EXTERN, scribed::json_detail::CharsInput)                              \
  SCRIBED_JSON_PARSER(EXTERN, scribed::json_detail::StreamInput)

#define SCRIBED_JSON_PARSER(EXTERN, INPUT)                                                     \
  EXTERN template class nlohmann::detail::lexer<scribed::json_detail::Json, INPUT>;          \
  EXTERN template class nlohmann::detail::parser<scribed::json_detail::Json, INPUT>;         \
  EXTERN template bool nlohmann::detail::parser<scribed::json_detail::Json, INPUT>::         \
      sax_parse_internal(nlohmann::detail::json_sax_dom_parser<scribed::json_detail::Json>*); \
  EXTERN template bool nlohmann::detail::parser<scribed::json_detail::Json, INPUT>::         \
      sax_parse_internal(                                                                    \
          nlohmann::detail::json_sax_dom_callback_parser<scribed::json_detail::Json>*);

#ifndef SCRIBED_JSON_INSTANTIATE
SCRIBED_JSON_INSTANTIATIONS(extern)
#endif
