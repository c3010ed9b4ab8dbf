import { mountPage } from '../shell';
import { MyCourses } from '../pages/MyCourses';

mountPage(MyCourses, { wide: false });
