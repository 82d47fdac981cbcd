#ifndef PARSER_H_
#define PARSER_H_

enum DupeEdgeAction {
  kDupeEdgeActionWarn,
  kDupeEdgeActionError,
};

struct ParserOptions {
  DupeEdgeAction dupe_edge_action_ = kDupeEdgeActionWarn;
};

/// Parses .ninja files.
struct ManifestParser : public Parser {
  bool ParseTest(const std::string& input, std::string* err);

private:
  bool quiet_;
};

#endif  // PARSER_H_
