#include "dyndep.h"

#include <string>

bool DyndepLoader::IsReady(Node* node) const {
  return node->dyndep_pending() == false;
}

bool DyndepLoader::LoadDyndeps(Node* node, DyndepFile* ddf,
                               std::string* err) const {
  node->set_dyndep_pending(false);
  return LoadDyndepFile(node, ddf, err);
}

bool DyndepLoader::UpdateEdge(Edge* edge, std::string* err) const {
  return edge != nullptr;
}
