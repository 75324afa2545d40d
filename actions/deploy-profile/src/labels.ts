/** The labels the Dynamo operator puts on the pods and Services of a graph (its `consts.KubeLabel*`). */
export const GRAPH_LABEL = 'nvidia.com/dynamo-graph-deployment-name';
export const COMPONENT_LABEL = 'nvidia.com/dynamo-component';
export const COMPONENT_TYPE_LABEL = 'nvidia.com/dynamo-component-type';
