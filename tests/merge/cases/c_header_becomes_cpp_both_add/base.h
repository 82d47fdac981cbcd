#ifndef PARSER_H_
#define PARSER_H_

enum DupeEdgeAction {
  kDupeEdgeActionWarn,
  kDupeEdgeActionError,
};

#endif  // PARSER_H_
