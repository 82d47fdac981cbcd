#include "dyndep.h"

#include <string>

bool DyndepLoader::IsReady(Node* node) const {
  return node->dyndep_pending() == false;
}

bool DyndepLoader::LoadDyndeps(Node* node, std::string* err) const {
  DyndepFile ddf;
  return LoadDyndeps(node, &ddf, err);
}

bool DyndepLoader::UpdateEdge(Edge* edge, std::string* err) const {
  return edge != nullptr;
}
