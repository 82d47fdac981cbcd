#include "dyndep.h"

#include <string>

bool DyndepLoader::IsReady(Node* node) const {
  return node->dyndep_pending() == false;
}

bool DyndepLoader::UpdateEdge(Edge* edge, std::string* err) const {
  return edge != nullptr;
}
