#ifndef PARSER_H_
#define PARSER_H_

enum DupeEdgeAction {
  kDupeEdgeActionWarn,
  kDupeEdgeActionError,
};

struct ParserOptions {
  DupeEdgeAction dupe_edge_action_ = kDupeEdgeActionWarn;
};

#endif  // PARSER_H_
